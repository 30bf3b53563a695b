// Plain Node ESM consumer of the @weft/contextvars tarball: a ContextVar round trip through await,
// an isolated copy, and a serialize/deserialize trip through JSON.
import assert from 'node:assert/strict';
import {
  ContextVar,
  copyContext,
  deserializeContext,
  LookupError,
  serializeContext,
} from '@weft/contextvars';

const requestId = new ContextVar('release-check.request_id', { propagate: true });
assert.throws(() => requestId.get(), LookupError);

const seen = await requestId.run('r-1', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return requestId.get();
});
assert.equal(seen, 'r-1');
assert.equal(requestId.get('unbound'), 'unbound', 'run() must not leak into the caller');

const token = requestId.set('r-2');
const snapshot = copyContext();
requestId.reset(token);
assert.equal(requestId.get('unbound'), 'unbound');
assert.equal(snapshot.get(requestId), 'r-2');

const wire = JSON.parse(JSON.stringify(serializeContext(snapshot)));
assert.deepEqual(wire, { v: 1, vars: { 'release-check.request_id': 'r-2' } });
assert.equal(deserializeContext(wire).get(requestId), 'r-2');

console.log('@weft/contextvars: ok');

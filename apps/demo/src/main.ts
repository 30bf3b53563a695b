/**
 * `pnpm demo` — for now a small @weft/contextvars showcase (the pipeline demo replaces it once
 * @weft/runner and @weft/prefect-bridge land): concurrent "requests" each see only their own
 * request id through awaits and timers, and a context crosses a (simulated) thread boundary.
 */
import { ContextVar, copyContext, deserializeContext, serializeContext } from '@weft/contextvars';

const requestId = new ContextVar<string>('demo.requestId', { default: '(none)', propagate: true });
const tenant = new ContextVar<string>('demo.tenant', { propagate: true });
const secret = new ContextVar<string>('demo.secret', { propagate: true });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
  console.log(`  [request=${requestId.get()} tenant=${tenant.get('-')}] ${message}`);
}

async function handle(id: string, who: string): Promise<string> {
  return requestId.run(id, async () => {
    tenant.set(who); // lands in this request's own copy
    log('received');
    await sleep(Math.random() * 20);
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        log('timer fired: still my context');
        resolve();
      }, Math.random() * 20),
    );
    log('done');
    return `${requestId.get()}:${tenant.get()}`;
  });
}

console.log('Three concurrent requests, interleaving on one thread:');
const results = await Promise.all([handle('r-1', 'acme'), handle('r-2', 'globex'), handle('r-3', 'initech')]);
console.log(`  results: ${results.join(', ')}; outside any request: request=${requestId.get()}\n`);

console.log('Crossing a boundary: only declared variables travel, filtered, as plain JSON:');
const wire = copyContext().run(() => {
  requestId.set('r-9');
  tenant.set('acme');
  secret.set('hunter2');
  return JSON.stringify(serializeContext(undefined, { deny: [secret] }));
});
console.log(`  on the wire: ${wire}`);
deserializeContext(JSON.parse(wire)).run(() => log(`on the other side; secret=${secret.get('(not sent)')}`));

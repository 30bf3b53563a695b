import { expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import type * as errors from '../src/errors.js';
import { DistributedError, GroupNotRunError, NoWorkersError, RemoteJobError } from '../src/errors.js';

it('errors keep (code, message, options) and their own fields', () => {
  const cause = new Error('inner');
  expect(new RemoteJobError('ERR_JOB_MISSING', 'job gone', 'n1', '7', { cause })).toMatchObject({
    name: 'RemoteJobError',
    code: 'ERR_JOB_MISSING',
    message: 'job gone',
    node: 'n1',
    jobId: '7',
    cause,
  });
});

it('DistributedError.is recognizes errors of its class from any copy of the package, and nothing else', async () => {
  const copy = await importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
  const foreign = new copy.NoWorkersError('ERR_NO_WORKERS', 'no weft-worker');
  expect(foreign).not.toBeInstanceOf(NoWorkersError);
  expect(NoWorkersError.is(foreign)).toBe(true);
  expect(DistributedError.is(foreign)).toBe(true);
  expect(GroupNotRunError.is(foreign)).toBe(false);
  expect(copy.DistributedError.is(new GroupNotRunError('ERR_GROUP_NOT_RUN', 'x', 'a', 'b'))).toBe(true);
  const lookalike = Object.assign(new Error('x'), { name: 'NoWorkersError', code: 'ERR_NO_WORKERS' });
  for (const value of [undefined, null, 'NoWorkersError', {}, lookalike, NoWorkersError]) {
    expect(DistributedError.is(value)).toBe(false);
  }
});

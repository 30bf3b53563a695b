import { expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import type * as errors from '../src/errors.js';
import { RunHistoryError, VizConfigError, VizError } from '../src/errors.js';

it('errors keep (code, message, options) and subclasses fix their code', () => {
  const cause = new Error('inner');
  expect(new RunHistoryError('RUN_HISTORY_READ', "Cannot read run 'x'", { cause })).toMatchObject({
    name: 'RunHistoryError',
    code: 'RUN_HISTORY_READ',
    message: "Cannot read run 'x'",
    cause,
  });
  expect(new VizConfigError('bad option')).toMatchObject({ name: 'VizConfigError', code: 'VIZ_CONFIG' });
});

it('VizError.is recognizes errors of its class from any copy of the package, and nothing else', async () => {
  const copy = await importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
  const foreign = new copy.RunHistoryError('RUN_NOT_FOUND', 'No run');
  expect(foreign).not.toBeInstanceOf(RunHistoryError);
  expect(RunHistoryError.is(foreign)).toBe(true);
  expect(VizError.is(foreign)).toBe(true);
  expect(VizConfigError.is(foreign)).toBe(false);
  expect(copy.VizConfigError.is(new VizConfigError('x'))).toBe(true);
  const lookalike = Object.assign(new Error('x'), { name: 'RunHistoryError', code: 'RUN_NOT_FOUND' });
  for (const value of [undefined, null, 'RunHistoryError', {}, lookalike, RunHistoryError]) {
    expect(VizError.is(value)).toBe(false);
  }
});

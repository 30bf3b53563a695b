import { expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import type * as errors from '../src/errors.js';
import { WeftOpenTelemetryError } from '../src/errors.js';

it('WeftOpenTelemetryError keeps (code, message, options)', () => {
  const cause = new Error('taken');
  expect(new WeftOpenTelemetryError('ERR_CONTEXT_MANAGER_TAKEN', 'in use', { cause })).toMatchObject({
    name: 'WeftOpenTelemetryError',
    code: 'ERR_CONTEXT_MANAGER_TAKEN',
    message: 'in use',
    cause,
  });
});

it('WeftOpenTelemetryError.is recognizes errors from any copy of the package, and nothing else', async () => {
  const copy = await importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
  const foreign = new copy.WeftOpenTelemetryError('ERR_TRACE_HEADER_INVALID', 'bad header');
  expect(foreign).not.toBeInstanceOf(WeftOpenTelemetryError);
  expect(WeftOpenTelemetryError.is(foreign)).toBe(true);
  expect(copy.WeftOpenTelemetryError.is(new WeftOpenTelemetryError('ERR_OTEL_INVALID_ARGUMENT', 'x'))).toBe(
    true,
  );
  const lookalike = Object.assign(new Error('x'), {
    name: 'WeftOpenTelemetryError',
    code: 'ERR_OTEL_INVALID_ARGUMENT',
  });
  for (const value of [undefined, null, 'WeftOpenTelemetryError', {}, lookalike, WeftOpenTelemetryError]) {
    expect(WeftOpenTelemetryError.is(value)).toBe(false);
  }
});

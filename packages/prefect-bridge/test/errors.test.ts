import { describe, expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import type * as errors from '../src/errors.js';
import {
  MissingContextError,
  PrefectApiError,
  PrefectBridgeError,
  PrefectConnectionError,
  PrefectUnavailableError,
} from '../src/errors.js';

/** A second, physically distinct copy of the errors module (as in a duplicated install). */
async function otherCopy(): Promise<typeof errors> {
  return importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
}

describe('PrefectBridgeError', () => {
  it('takes (code, message, options) and keeps them', () => {
    const cause = new Error('inner');
    const error = new PrefectBridgeError('INVALID_ARGUMENT', 'Flow name must not be empty', { cause });
    expect(error).toMatchObject({
      name: 'PrefectBridgeError',
      code: 'INVALID_ARGUMENT',
      message: 'Flow name must not be empty',
      cause,
    });
  });

  it('subclasses fix their code and keep their messages', () => {
    expect(new MissingContextError()).toMatchObject({
      code: 'MISSING_CONTEXT',
      message: 'There is no active flow or task run context.',
    });
    expect(new PrefectApiError('GET', '/flows/x', 404, { detail: 'Not found' })).toMatchObject({
      name: 'PrefectApiError',
      code: 'API_STATUS',
      message: 'Prefect API GET /flows/x failed with HTTP 404: {"detail":"Not found"}',
    });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(
      new PrefectConnectionError('POST', '/logs/', 'http://127.0.0.1:1/api/logs/', refused),
    ).toMatchObject({
      code: 'API_CONNECTION',
      message:
        'Could not reach the Prefect API at http://127.0.0.1:1/api/logs/ (POST /logs/): fetch failed (ECONNREFUSED)',
      cause: refused,
    });
  });
});

describe('PrefectBridgeError.is', () => {
  it('recognizes errors of this class and its subclasses, not of sibling classes', () => {
    const error = new PrefectApiError('GET', '/x', 500, '');
    expect(PrefectApiError.is(error)).toBe(true);
    expect(PrefectBridgeError.is(error)).toBe(true);
    expect(PrefectUnavailableError.is(error)).toBe(false);
  });

  it('recognizes errors made by another copy of the package, where instanceof fails', async () => {
    const copy = await otherCopy();
    const foreign = new copy.PrefectApiError('GET', '/x', 404, '');
    expect(foreign).not.toBeInstanceOf(PrefectApiError);
    expect(PrefectApiError.is(foreign)).toBe(true);
    expect(PrefectBridgeError.is(foreign)).toBe(true);
    expect(MissingContextError.is(foreign)).toBe(false);
    expect(copy.MissingContextError.is(new MissingContextError())).toBe(true);
  });

  it('is false, and never throws, for values that are not errors of the package', () => {
    const lookalike = Object.assign(new Error('x'), {
      name: 'PrefectApiError',
      code: 'API_STATUS',
      status: 404,
    });
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    for (const value of [undefined, null, 1, 'PrefectApiError', {}, lookalike, hostile, PrefectApiError]) {
      expect(PrefectApiError.is(value)).toBe(false);
      expect(PrefectBridgeError.is(value)).toBe(false);
    }
  });
});

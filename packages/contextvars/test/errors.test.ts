import { expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import type * as errors from '../src/errors.js';
import { ContextEnteredError, ContextVarsError, LookupError, TokenError } from '../src/errors.js';

it('errors keep (code, message, options); subclasses fix their code', () => {
  expect(new ContextEnteredError('already entered')).toMatchObject({
    name: 'ContextEnteredError',
    code: 'ERR_CONTEXT_ENTERED',
  });
  expect(new TokenError('ERR_TOKEN_USED', 'used once')).toMatchObject({
    name: 'TokenError',
    code: 'ERR_TOKEN_USED',
  });
  expect(new LookupError('v', "ContextVar 'v'")).toMatchObject({
    code: 'ERR_CONTEXTVAR_LOOKUP',
    message: "ContextVar 'v' has no value in the current context and no default",
  });
});

it('ContextVarsError.is recognizes errors of its class from any copy of the package, and nothing else', async () => {
  const copy = await importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
  const foreign = new copy.LookupError('v', "ContextVar 'v'");
  expect(foreign).not.toBeInstanceOf(LookupError);
  expect(LookupError.is(foreign)).toBe(true);
  expect(ContextVarsError.is(foreign)).toBe(true);
  expect(TokenError.is(foreign)).toBe(false);
  expect(copy.TokenError.is(new TokenError('ERR_TOKEN_USED', 'x'))).toBe(true);
  const lookalike = Object.assign(new Error('x'), { name: 'LookupError', code: 'ERR_CONTEXTVAR_LOOKUP' });
  for (const value of [undefined, null, 'LookupError', {}, lookalike, LookupError]) {
    expect(ContextVarsError.is(value)).toBe(false);
  }
});

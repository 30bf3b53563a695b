import { expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import type * as errors from '../src/errors.js';
import { CliError, ConfigError, UsageError } from '../src/errors.js';

it('errors keep (code, message, options), subclasses fix their code and ConfigError leads with the location', () => {
  const cause = new Error('inner');
  expect(new CliError('ERR_CLI_VIZ', 'cannot start the viewer', { cause })).toMatchObject({
    name: 'CliError',
    code: 'ERR_CLI_VIZ',
    exitCode: 2,
    cause,
  });
  expect(new UsageError('unknown flag')).toMatchObject({ code: 'ERR_CLI_USAGE', exitCode: 2 });
  expect(new ConfigError('bad key', { file: 'conf/base/catalog.yml', line: 3, column: 5 })).toMatchObject({
    code: 'ERR_CLI_CONFIG',
    message: 'conf/base/catalog.yml:3:5: bad key',
  });
  expect(new ConfigError('missing inputs', undefined, { code: 'ERR_CLI_MISSING_INPUTS' }).code).toBe(
    'ERR_CLI_MISSING_INPUTS',
  );
});

it('CliError.is recognizes errors of its class from any copy of the package, and nothing else', async () => {
  const copy = await importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
  const foreign = new copy.ConfigError('bad key');
  expect(foreign).not.toBeInstanceOf(ConfigError);
  expect(ConfigError.is(foreign)).toBe(true);
  expect(CliError.is(foreign)).toBe(true);
  expect(UsageError.is(foreign)).toBe(false);
  expect(copy.UsageError.is(new UsageError('x'))).toBe(true);
  const lookalike = Object.assign(new Error('x'), { name: 'UsageError', code: 'ERR_CLI_USAGE' });
  for (const value of [undefined, null, 'UsageError', {}, lookalike, UsageError])
    expect(CliError.is(value)).toBe(false);
});

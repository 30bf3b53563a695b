import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  runsUnderTsx,
  typescriptExecArgv,
  WorkerThreadExecutor,
  withoutTsxPreloads,
} from '../src/index.js';

const tsxDir = fileURLToPath(
  new URL('.', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))),
);
/** What the `tsx` command starts node with. */
const tsxCommandArgv = [
  '--require',
  `${tsxDir}dist/preflight.cjs`,
  '--import',
  pathToFileURL(`${tsxDir}dist/loader.mjs`).href,
];

describe('runsUnderTsx', () => {
  it('recognises every way of preloading tsx', () => {
    for (const argv of [
      ['--import', 'tsx'],
      ['--import=tsx'],
      ['--import', 'tsx/esm'],
      ['--require', 'tsx/cjs'],
      ['-r', 'tsx/cjs'],
      ['--loader', 'tsx'],
      ['--experimental-loader=tsx'],
      tsxCommandArgv,
    ]) {
      expect(runsUnderTsx(argv, undefined), argv.join(' ')).toBe(true);
    }
    expect(runsUnderTsx([], '--max-old-space-size=4096 --import tsx')).toBe(true);
  });

  it('is false for other preloads and options', () => {
    for (const argv of [
      [],
      ['--import', './tsx-helpers.mjs'],
      ['--import', 'tsx-like'],
      ['--conditions', 'tsx'],
      ['--require', `${tsxDir}dist/preflight.cjs`],
    ]) {
      expect(runsUnderTsx(argv, undefined), argv.join(' ')).toBe(false);
    }
    expect(runsUnderTsx([], '--conditions=tsx')).toBe(false);
  });

  it('reports how the process really started (node --import tsx, the tsx command)', () => {
    const probe = `import('${pathToFileURL(fileURLToPath(new URL('../src/typescript-loader.ts', import.meta.url))).href}').then((m) => console.log(m.runsUnderTsx()))`;
    const tsxCli = `${tsxDir}dist/cli.mjs`;
    const run = (args: string[]) => {
      const result = spawnSync(process.execPath, args, {
        encoding: 'utf8',
        // The probe imports this package's sources: workspace packages resolve to theirs too (a
        // fresh clone has no dist/), through NODE_OPTIONS so the tsx command's child has it as well.
        env: { ...process.env, NODE_OPTIONS: '--conditions=@weft/source' },
      });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.trim();
    };
    expect(run(['--import', 'tsx', '--input-type=module', '-e', probe])).toBe('true');
    expect(run([tsxCli, '--input-type=module', '-e', probe])).toBe('true');
  });
});

describe('withoutTsxPreloads', () => {
  it('drops tsx preloads and keeps every other option in order', () => {
    expect(
      withoutTsxPreloads([
        '--conditions=development',
        '--import',
        'tsx',
        '--import',
        './otel.mjs',
        '--import=tsx/esm',
        ...tsxCommandArgv,
        '--enable-source-maps',
      ]),
    ).toEqual([
      '--conditions=development',
      '--import',
      './otel.mjs',
      '--require',
      `${tsxDir}dist/preflight.cjs`,
      '--enable-source-maps',
    ]);
  });
});

describe('typescriptExecArgv', () => {
  it('gives nothing for false, and for auto when this process does not run under tsx', () => {
    expect(typescriptExecArgv(false)).toEqual([]);
    expect(runsUnderTsx()).toBe(false);
    expect(typescriptExecArgv('auto')).toEqual([]);
  });

  it('gives one --import that registers tsx in a worker thread on every Node line', async () => {
    const argv = typescriptExecArgv('tsx');
    expect(argv).toHaveLength(2);
    expect(argv[0]).toBe('--import');
    // A plain-JavaScript worker (like the published trampoline) importing a module that only tsx
    // can load: an enum (not erasable), and a `.js` specifier naming a `.ts` file.
    const entry = new URL('./fixtures/typescript/load-task.mjs', import.meta.url);
    const result = await new Promise<unknown>((resolve, reject) => {
      const worker = new Worker(entry, { execArgv: argv, workerData: { x: 20 } });
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before answering`)));
    });
    expect(result).toEqual({ answer: 42, level: 'High', thread: 'worker' });
  });

  it('without a loader the same worker fails to load the TypeScript module', async () => {
    const entry = new URL('./fixtures/typescript/load-task.mjs', import.meta.url);
    const error = await new Promise<unknown>((resolve) => {
      const worker = new Worker(entry, { execArgv: [], workerData: { x: 20 } });
      worker.once('message', () => resolve(undefined));
      worker.once('error', resolve);
    });
    expect(error).toBeInstanceOf(Error);
  });
});

describe('WorkerThreadExecutor typescript option', () => {
  it('rejects an unknown value, naming it', () => {
    expect(() => new WorkerThreadExecutor({ typescript: 'ts-node' as never })).toThrow(InvalidArgumentError);
    expect(() => new WorkerThreadExecutor({ typescript: 'ts-node' as never })).toThrow(/'ts-node'/);
  });

  it('rejects execArgv that preloads tsx together with typescript: false', () => {
    expect(() => new WorkerThreadExecutor({ execArgv: ['--import', 'tsx'], typescript: false })).toThrow(
      /execArgv preloads tsx but typescript is false/,
    );
  });
});

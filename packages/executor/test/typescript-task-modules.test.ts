/**
 * TypeScript task modules in worker threads, as a user of the published package meets them: the
 * executor runs from JavaScript (`node_modules/@weft/executor/dist`), the task module is a `.ts`
 * file only a TypeScript loader can run (an enum; a `.js` specifier naming a `.ts` file), and the
 * main thread is plain node, `node --import tsx` or the `tsx` command. The same on every Node line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTranspiled } from './support/transpiled-packages.js';

let project: string;
const tsxCli = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');

const MAIN = `
import { WorkerThreadExecutor, taskRef } from '@weft/executor';
const [typescript, hint] = process.argv.slice(2);
const options = { maxWorkers: 1 };
if (typescript !== 'default') options.typescript = typescript === 'false' ? false : typescript;
if (hint === 'execArgv') options.execArgv = ['--import', 'tsx'];
let executor;
try {
  executor = new WorkerThreadExecutor(options);
  const answer = taskRef(new URL('./tasks.ts', import.meta.url), 'answer');
  console.log(JSON.stringify({ ok: await executor.submit(answer, 20) }));
} catch (error) {
  console.log(JSON.stringify({ error: error.name, code: error.code, message: error.message }));
} finally {
  await executor?.shutdown();
}
`;

const TASKS = `
import { isMainThread } from 'node:worker_threads';
import { double } from './helper.js';

export enum Level {
  Low = 1,
  High = 2,
}

export function answer(x: number): { answer: number; level: string; inWorker: boolean } {
  return { answer: double(x) + Level.High, level: Level[Level.High], inWorker: !isMainThread };
}
`;

/** Runs `args` with node in the project; the JSON line main printed. */
function run(args: string[]): { ok?: unknown; error?: string; code?: string; message?: string } {
  const result = spawnSync(process.execPath, args, {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{'))
    throw new Error(`no result (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line);
}

const loaded = { ok: { answer: 42, level: 'High', inWorker: true } };

describe('TypeScript task modules with the published @weft/executor', { timeout: 120_000 }, () => {
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'weft-ts-tasks-'));
    installTranspiled(project, ['contextvars', 'executor'], ['tsx']);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(project, 'main.mjs'), MAIN);
    writeFileSync(join(project, 'main.ts'), MAIN.replace('let executor;', 'let executor: any;'));
    writeFileSync(join(project, 'tasks.ts'), TASKS);
    writeFileSync(join(project, 'helper.ts'), 'export const double = (n: number): number => n * 2;\n');
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("load in worker threads with typescript: 'tsx', from a plain-JavaScript main thread", () => {
    expect(run(['main.mjs', 'tsx'])).toEqual(loaded);
  });

  it('load by default when the main thread runs with node --import tsx', () => {
    expect(run(['--import', 'tsx', 'main.mjs', 'default'])).toEqual(loaded);
  });

  it('load by default when the main thread runs under the tsx command', () => {
    expect(run([tsxCli, 'main.ts', 'default'])).toEqual(loaded);
  });

  it("load with the execArgv: ['--import', 'tsx'] hint, on every Node line", () => {
    expect(run(['main.mjs', 'default', 'execArgv'])).toEqual(loaded);
  });

  it('fail as a TaskReferenceError naming the module when no loader is wanted', () => {
    const plain = run(['main.mjs', 'default']);
    expect(plain).toMatchObject({ error: 'TaskReferenceError', code: 'ERR_TASK_REFERENCE' });
    expect(plain.message).toContain('tasks.ts');
    // typescript: false wins over the tsx the main thread runs under, on every Node line
    // (22.23+, 24 and 26 would otherwise register an inherited --import tsx in the workers).
    const refused = run(['--import', 'tsx', 'main.mjs', 'false']);
    expect(refused).toMatchObject({ error: 'TaskReferenceError', code: 'ERR_TASK_REFERENCE' });
  });
});

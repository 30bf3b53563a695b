/**
 * A TypeScript project runs on ParallelRunner without a build: the runner comes from the
 * published JavaScript (`node_modules/@weft/runner/dist`), the pipeline module is `.ts` (an
 * enum, a `.js` specifier naming a `.ts` file), and the main thread runs under tsx. The worker
 * threads get tsx too (`typescript: 'auto'`), on every Node line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTranspiled } from '../../executor/test/support/transpiled-packages.js';

let project: string;
const tsxCli = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');

const PIPELINE = `
import { isMainThread } from 'node:worker_threads';
import { node, pipeline } from '@weft/runner';
import { scale } from './scale.js';

export enum Unit {
  Metre = 1,
  Kilometre = 1000,
}

export function toMetres(km: number): number {
  return scale(km, Unit.Kilometre);
}

export function describe(metres: number): string {
  return \`\${metres} m (\${isMainThread ? 'main thread' : 'worker thread'})\`;
}

export const distances = pipeline([
  node(toMetres, 'km', 'metres', { name: 'to_metres' }),
  node(describe, 'metres', 'text', { name: 'describe' }),
]);
`;

const MAIN = `
import { DataCatalog, ParallelRunner } from '@weft/runner';
import { distances } from './pipeline.ts';

await using runner = new ParallelRunner({ module: new URL('./pipeline.ts', import.meta.url), maxWorkers: 2 });
const outputs = await runner.run(distances, new DataCatalog({ km: 3 }));
console.log(JSON.stringify(outputs));
`;

function run(args: string[]): unknown {
  const result = spawnSync(process.execPath, args, {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`status ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return JSON.parse(line);
}

describe('a TypeScript pipeline on ParallelRunner, no build step', { timeout: 120_000 }, () => {
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'weft-ts-pipeline-'));
    installTranspiled(project, ['contextvars', 'executor', 'runner'], ['tsx']);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(project, 'pipeline.ts'), PIPELINE);
    writeFileSync(
      join(project, 'scale.ts'),
      'export const scale = (x: number, by: number): number => x * by;\n',
    );
    writeFileSync(join(project, 'main.ts'), MAIN);
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('runs under the tsx command, node functions in worker threads', () => {
    expect(run([tsxCli, 'main.ts'])).toEqual({ text: '3000 m (worker thread)' });
  });

  it('runs under node --import tsx', () => {
    expect(run(['--import', 'tsx', 'main.ts'])).toEqual({ text: '3000 m (worker thread)' });
  });
});

import { describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli.js';

const NODES = ['a_node', 'b_node'];
const APP = '/app';

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const outcome = parseCli(args, NODES, APP, env);
  if (outcome.kind !== 'run')
    throw new Error(`expected options, got exit ${outcome.exitCode}: ${outcome.output}`);
  return outcome.options;
}

function exit(args: string[], env: NodeJS.ProcessEnv = {}) {
  const outcome = parseCli(args, NODES, APP, env);
  if (outcome.kind !== 'exit') throw new Error('expected an exit');
  return outcome;
}

describe('parseCli', () => {
  it('has the documented defaults', () => {
    const o = run([]);
    expect(o).toMatchObject({
      runner: 'thread',
      maxWorkers: undefined,
      fromNodes: [],
      toNodes: [],
      tags: [],
      onlyMissing: false,
      context: true,
      prefect: false,
      tenant: 'acme-space',
      failAt: undefined,
      live: undefined,
      dataDir: '/app/data',
      reportPath: '/app/data/08_reporting/run-report.html',
    });
  });

  it('reads every option, and ignores a leading "--" as pnpm may pass it', () => {
    const o = run([
      '--',
      '--runner',
      'parallel',
      '--max-workers',
      '3',
      '--from-nodes',
      'a_node',
      '--to-nodes',
      'b_node,a_node',
      '--tags',
      'x, y',
      '--only-missing',
      '--no-context',
      '--tenant',
      'globex',
      '--fail-at',
      'b_node',
      '--data-dir',
      '/tmp/d',
      '--no-live',
    ]);
    expect(o).toMatchObject({
      runner: 'parallel',
      maxWorkers: 3,
      fromNodes: ['a_node'],
      toNodes: ['b_node', 'a_node'],
      tags: ['x', 'y'],
      onlyMissing: true,
      context: false,
      tenant: 'globex',
      failAt: 'b_node',
      dataDir: '/tmp/d',
      reportPath: '/tmp/d/08_reporting/run-report.html',
      live: false,
    });
  });

  it('rejects bad values with a message naming the option', () => {
    expect(exit(['--runner', 'fork']).output).toMatch(
      /option '-r, --runner <kind>' argument 'fork' is invalid. Allowed choices are sequential, thread, parallel/,
    );
    expect(exit(['--max-workers', '0']).output).toMatch(
      /--max-workers <n>' argument '0' is invalid. must be a positive integer/,
    );
    expect(exit(['--from-nodes', 'nope']).output).toBe(
      "error: --from-nodes: unknown node 'nope'. Nodes: a_node, b_node\n",
    );
    expect(exit(['--fail-at', 'x']).output).toMatch(/--fail-at: unknown node 'x'/);
    expect(exit(['--runner', 'sequential', '--max-workers', '2']).output).toMatch(
      /sequential runner runs one node at a time/,
    );
    expect(exit(['--bogus']).exitCode).not.toBe(0);
    expect(exit(['--bogus']).output).toMatch(/unknown option '--bogus'/);
  });

  it('needs PREFECT_API_URL for --prefect', () => {
    const e = exit(['--prefect']);
    expect(e.exitCode).toBe(2);
    expect(e.output).toMatch(/--prefect: PREFECT_API_URL is not set/);
    const o = run(['--prefect'], { PREFECT_API_URL: 'http://127.0.0.1:4200/api' });
    expect(o.prefect).toBe(true);
    expect(o.prefectApiUrl).toBe('http://127.0.0.1:4200/api');
    expect(run([], { PREFECT_API_URL: 'http://127.0.0.1:4200/api' }).prefectApiUrl).toBeUndefined();
  });

  it('documents every option in --help', () => {
    const help = exit(['--help']);
    expect(help.exitCode).toBe(0);
    for (const flag of [
      '--runner',
      '--max-workers',
      '--from-nodes',
      '--to-nodes',
      '--tags',
      '--only-missing',
      '--no-context',
      '--prefect',
      '--tenant',
      '--fail-at',
      '--data-dir',
      '--report',
    ]) {
      expect(help.output).toContain(flag);
    }
    expect(help.output).toContain('Nodes: a_node, b_node');
    expect(help.output).toContain('npx pnpm@10.34.9 demo -- --runner parallel');
  });
});

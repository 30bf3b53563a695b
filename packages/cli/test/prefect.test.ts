/**
 * `weft run --prefect` against a real Prefect 3 server (pip-installed into the repository's
 * cached virtual environment and started on a free loopback port by @weft/prefect-bridge/testing),
 * and against a port where no server listens.
 */
import { join } from 'node:path';
import { PrefectClient } from '@weft/prefect-bridge';
import {
  freePort,
  PREFECT_VERSION,
  type PrefectServer,
  startPrefectServer,
} from '@weft/prefect-bridge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/index.js';
import { copyProject, REPO_ROOT, type TempProject, weft } from './support/projects.js';

let server: PrefectServer;
let project: TempProject;

beforeAll(async () => {
  [server, project] = await Promise.all([
    startPrefectServer({
      venvDir: join(REPO_ROOT, '.cache', `prefect-venv-${PREFECT_VERSION}`),
      log: (line) => console.log(line),
    }),
    copyProject(),
  ]);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  await project?.remove();
});

describe('weft run --prefect', () => {
  it('reports the run: a flow run with a readable name, a task run per node, and the summary says where', async () => {
    const result = await weft(project.dir, [
      'run',
      '--runner',
      'thread',
      '--prefect',
      server.apiUrl,
      '--report',
      'out/p.json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const r = await project.json<RunRecord>('out/p.json');
    const p = r.prefect;
    expect(p?.reported).toBe(true);
    expect(p?.flowRunName).toMatch(/^[a-z]+-[a-z]+$/);
    const ui = server.apiUrl.replace(/\/api$/, '');
    expect(p?.flowRunUrl).toBe(`${ui}/runs/flow-run/${p?.flowRunId}`);
    expect(result.stdout).toContain(
      `Prefect: reported to ${server.apiUrl} · flow run '${p?.flowRunName}': ${p?.flowRunUrl}`,
    );
    expect(result.stdout).toContain('Task run');
    expect(result.stderr).toContain(
      `Flow run '${p?.flowRunName}' - Beginning flow run '${p?.flowRunName}' for flow 'spaceflights-mini'`,
    );

    const client = new PrefectClient({ apiUrl: server.apiUrl });
    const flowRun = await client.readFlowRun(p?.flowRunId as string);
    expect([flowRun.name, flowRun.state_type]).toEqual([p?.flowRunName, 'COMPLETED']);
    expect(flowRun.tags).toEqual(expect.arrayContaining(['weft', 'pipeline:__default__', 'env:local']));
    const taskRuns = await client.readTaskRuns(flowRun.id);
    expect(taskRuns.map((t) => t.name).sort()).toEqual(r.nodes.map((n) => n.name).sort());
    for (const n of r.nodes) expect(n.taskRun?.id).toBe(taskRuns.find((t) => t.name === n.name)?.id);
  });

  it('takes PREFECT_API_URL when --prefect has no value, and reports a failed run as FAILED (exit 1)', async () => {
    const result = await weft(project.dir, ['run', '--prefect', '--report', 'out/f.json'], {
      env: { PREFECT_API_URL: server.apiUrl, WEFT_TEST_FAIL_AT: 'evaluate_model' },
    });
    expect(result.code).toBe(1);
    const r = await project.json<RunRecord>('out/f.json');
    expect(r.prefect?.apiUrl).toBe(server.apiUrl);
    expect(r.prefect?.reported).toBe(true);
    const flowRun = await new PrefectClient({ apiUrl: server.apiUrl }).readFlowRun(
      r.prefect?.flowRunId as string,
    );
    expect(flowRun.state_type).toBe('FAILED');
    expect(result.stderr).toContain('--from-nodes "split_data"');
  });

  it('shows an unreachable server in the summary and still exits with the run’s status', async () => {
    const url = `http://127.0.0.1:${await freePort()}/api`;
    const result = await weft(project.dir, [
      'run',
      '--pipeline',
      'reporting',
      '--prefect',
      url,
      '--report',
      'out/u.json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `Prefect: ${url.replace(/[./]/g, '\\$&')} could not be reached \\(.+\\); this run was not reported\\.`,
      ),
    );
    const r = await project.json<RunRecord>('out/u.json');
    expect([r.status, r.prefect?.reachable, r.prefect?.reported]).toEqual(['completed', false, false]);
  });

  it('with --prefect-required, does not run when the server cannot be reached (exit 2)', async () => {
    const url = `http://127.0.0.1:${await freePort()}/api`;
    const result = await weft(project.dir, [
      'run',
      '--pipeline',
      'reporting',
      '--prefect',
      url,
      '--prefect-required',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `weft: error: --prefect-required: the Prefect server at ${url} cannot be reached (`,
    );
    expect(result.stderr).toContain('the run did not start');
    expect(result.stdout).toBe('');
  });
});

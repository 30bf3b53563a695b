import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContextVar, copyContext } from '@weft/contextvars';
import { DataCatalog, node, pipeline } from '@weft/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope, runInEnvelope } from '../src/context-envelope.js';
import { placeDatasetsBetweenNodes } from '../src/datasets-between-nodes.js';
import {
  ContextEnvelopeError,
  DistributedConfigError,
  DistributedRunner,
  RedisServerError,
  StorageDataset,
  startRedisServer,
  WorkerJobError,
  workerCommand,
} from '../src/index.js';
import { jobIdOf, parseNodeJob, runKeyOf } from '../src/node-job.js';
import { runDatasetsDir } from '../src/shared-storage.js';
import { mix } from './fixtures/nodes.js';
import { NODES_MODULE } from './support/cluster.js';

const tenant = new ContextVar<string>('units.tenant', { propagate: true });
const token = new ContextVar<string>('units.token', { propagate: true });
const local = new ContextVar<string>('units.local');

describe('context envelope', () => {
  it('carries the propagatable variables through the filter, and restores them around a function', () => {
    const envelope = tenant.run('acme', () =>
      token.run('t-1', () =>
        local.run('here', () =>
          buildEnvelope({ runId: 'r1', node: 'n1', filter: { deny: [token] }, maxBytes: 4096 }),
        ),
      ),
    );
    const wire = JSON.parse(JSON.stringify(envelope));
    expect(wire.v).toBe(2);
    // The declared variables, and the name (never the value) of the local one that stays here;
    // the denied variable is not even named.
    expect(wire.carrier).toEqual({
      context: { v: 1, vars: { 'units.tenant': 'acme' } },
      unpropagated: { local: ['units.local'] },
    });
    expect(wire.origin).toEqual({ runId: 'r1', node: 'n1', host: expect.any(String), pid: process.pid });
    const seen = runInEnvelope(wire, () => [tenant.get(null), token.get(null), local.get(null)]);
    expect(seen).toEqual(['acme', null, null]);
    expect(tenant.get(null)).toBeNull();
  });

  it('keeps what the function sets inside the restored context', async () => {
    const envelope = tenant.run('acme', () =>
      buildEnvelope({ runId: 'r', node: 'n', filter: undefined, maxBytes: 4096 }),
    );
    await runInEnvelope(envelope, async () => {
      tenant.set('changed');
      await new Promise((r) => setTimeout(r, 1));
      expect(tenant.get()).toBe('changed');
    });
    expect(copyContext().get(tenant)).toBeUndefined();
  });

  it('refuses an envelope over the cap, naming the node and the largest variables', () => {
    const error = (() => {
      try {
        tenant.run('x'.repeat(3000), () =>
          buildEnvelope({ runId: 'r', node: 'big_node', filter: undefined, maxBytes: 1000 }),
        );
      } catch (e) {
        return e as ContextEnvelopeError;
      }
    })();
    expect(error).toBeInstanceOf(ContextEnvelopeError);
    expect(error?.code).toBe('ERR_CONTEXT_TOO_LARGE');
    expect(error?.node).toBe('big_node');
    expect(error?.message).toContain("'units.tenant'");
  });

  it('refuses an envelope of an unknown version', () => {
    expect(() => runInEnvelope({ v: 1 } as never, () => 1)).toThrow(WorkerJobError);
    expect(() => runInEnvelope({ v: 1 } as never, () => 1)).toThrow(
      /version 1; this worker understands version 2/,
    );
  });

  it('tells in the worker that a local variable set by the coordinator was not propagated', () => {
    const envelope = local.run('here', () =>
      buildEnvelope({ runId: 'r', node: 'n', filter: undefined, maxBytes: 4096 }),
    );
    const noDefault = new ContextVar<string>('units.local');
    // The worker defines its own variable of that name (its module imported there).
    const error = runInEnvelope(JSON.parse(JSON.stringify(envelope)), () => {
      try {
        noDefault.get();
      } catch (e) {
        return e as Error;
      }
    });
    expect(error?.message).toMatch(
      /<ContextVar name='units\.local'> has no value in the current context and no default: it was set where this work was submitted, but it is not propagated .*propagate: true/,
    );
  });
});

describe('job ids and payloads', () => {
  it('derive the job id from the run id and the node name, hashing unsafe run ids', () => {
    expect(jobIdOf(runKeyOf('nightly-2024.06.01'), 'train.model')).toBe('nightly-2024.06.01__train.model');
    const unsafe = runKeyOf('run:1/2 with spaces');
    expect(unsafe).toMatch(/^[\w.-]+$/);
    expect(unsafe).not.toBe(runKeyOf('run:1/2 with spaces!'));
    expect(runKeyOf('a__b')).not.toBe('a__b');
    expect(runKeyOf('..')).not.toBe('..');
  });

  it('are validated on the worker, naming the job and the field', () => {
    const member = { node: 'n', module: 'file:///m.js', export: 'f', streaming: false, ctx: {} };
    const good = { v: 2, runId: 'r', nodes: [member], inline: 16384, code: 'abc' };
    expect(parseNodeJob('r__n', good)).toEqual(good);
    expect(() => parseNodeJob('r__n', { ...good, v: 9 })).toThrow(/Job r__n \(node 'n'\).*payload version 9/);
    expect(() => parseNodeJob('r__n', { ...good, nodes: [{ ...member, export: 3 }] })).toThrow(
      /'export' is not a non-empty string/,
    );
    expect(() => parseNodeJob('r__n', { ...good, nodes: [] })).toThrow(/'nodes' is not a non-empty array/);
    expect(() => parseNodeJob('r__n', { ...good, nodes: [{ ...member, links: [[0, 0, null]] }] })).toThrow(
      /a link names no earlier node of the job/,
    );
    expect(() => parseNodeJob('../x', good)).toThrow(/not a safe path segment/);
  });
});

describe('datasets the runner keeps between nodes', () => {
  it('stay inside the run folder whatever their names', () => {
    const names = [
      '../../escaped',
      '..',
      '.',
      'a/b',
      'a\\b',
      '%2e%2e%2fx',
      '/etc/passwd',
      'nul\u0000x',
      '__proto__',
    ];
    const nodes = names.flatMap((name, i) => [
      node(mix, ['params:a', 'x'], name, { name: `write${i}` }),
      node(mix, ['params:a', name], `out${i}`, { name: `read${i}` }),
    ]);
    const catalog = new DataCatalog({ 'params:a': 1, x: 1 });
    const storage = '/srv/shared/weft';
    const registered = placeDatasetsBetweenNodes(pipeline(nodes), catalog, storage, 'run1');
    expect(registered.sort()).toEqual([...names].sort());
    const folder = runDatasetsDir(storage, 'run1');
    for (const name of names) {
      const path = (catalog.get(name) as StorageDataset).filepath;
      expect(dirname(path)).toBe(folder);
      const rel = relative(folder, path);
      expect(rel === '..' || rel.includes('/') || rel.includes('\\')).toBe(false);
    }
  });
});

describe('StorageDataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-storage-ds-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('saves and loads structured-clone data atomically', async () => {
    const ds = new StorageDataset({ filepath: join(dir, 'a', 'value.v8') });
    expect(await ds.exists()).toBe(false);
    const value = { m: new Map([[1, 'one']]), d: new Date(5), b: Buffer.from('hi') };
    await ds.save(value);
    expect(await ds.exists()).toBe(true);
    expect(await ds.load()).toEqual(value);
    await ds.release();
    expect(await ds.exists()).toBe(true);
    expect(String(ds)).toBe(`StorageDataset(filepath=${join(dir, 'a', 'value.v8')})`);
  });

  it('deletes its file on release when ephemeral', async () => {
    const ds = new StorageDataset({ filepath: join(dir, 'eph.v8'), ephemeral: true });
    await ds.save([1, 2]);
    expect(ds.ephemeral).toBe(true);
    await ds.release();
    expect(existsSync(join(dir, 'eph.v8'))).toBe(false);
  });

  it('keeps every save of a versioned dataset and never overwrites one, as the runner file datasets do', async () => {
    const filepath = join(dir, 'versioned.v8');
    await new StorageDataset({ filepath, version: { save: '2026-01-01T00.00.00.000Z' } }).save({ n: 1 });
    await new StorageDataset({ filepath, version: { save: '2026-01-02T00.00.00.000Z' } }).save({ n: 2 });
    expect(await new StorageDataset({ filepath, version: {} }).load()).toEqual({ n: 2 });
    const first = new StorageDataset({ filepath, version: { load: '2026-01-01T00.00.00.000Z' } });
    expect(await first.load()).toEqual({ n: 1 });
    const again = new StorageDataset({ filepath, version: { save: '2026-01-01T00.00.00.000Z' } });
    await expect(again.save({ n: 3 })).rejects.toMatchObject({ code: 'ERR_DATASET_VERSION_EXISTS' });
    expect(await first.load()).toEqual({ n: 1 });
  });

  it('refuses a missing filepath and an ephemeral dataset that is versioned, naming the file', () => {
    expect(() => new StorageDataset({} as never)).toThrow(
      "StorageDataset needs a non-empty 'filepath' option",
    );
    expect(() => new StorageDataset({ filepath: join(dir, 'x.v8'), ephemeral: true, version: {} })).toThrow(
      `StorageDataset(filepath=${join(dir, 'x.v8')}) cannot be both ephemeral and versioned`,
    );
  });
});

describe('configuration errors', () => {
  const base = { module: NODES_MODULE, redis: '/tmp/none.sock', storage: '/tmp/weft-x' };
  it.each([
    [{ ...base, module: undefined }, /needs the module/],
    [{ ...base, module: './relative.js' }, /module must be a file URL or an absolute path/],
    [{ ...base, storage: 'relative/dir' }, /'storage' must be the absolute path/],
    [{ ...base, redis: 'localhost:6379' }, /'redis' must be a redis:\/\/ URL/],
    [{ ...base, retry: { attempts: 0 } }, /'retry' must be \{ attempts: positive integer/],
    [{ ...base, maxInFlight: 0 }, /'maxInFlight' must be a positive integer/],
    [{ ...base, prefix: 'a:b' }, /'prefix' must be a non-empty string without ':'/],
  ])('%#: %s', (options, message) => {
    expect(() => new DistributedRunner(options as never)).toThrow(DistributedConfigError);
    expect(() => new DistributedRunner(options as never)).toThrow(message);
  });

  it('names where Redis was expected when it cannot be reached, without hanging', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-noredis-'));
    const runner = new DistributedRunner({
      module: NODES_MODULE,
      redis: join(dir, 'missing.sock'),
      storage: dir,
    });
    try {
      const p = pipeline([node(mix, ['params:a', 'x'], 'y', { name: 'first' })]);
      const error = await runner.run(p, new DataCatalog({ 'params:a': 1, x: 1 })).catch((e) => e);
      expect(error).toBeInstanceOf(DistributedConfigError);
      expect(error.code).toBe('ERR_REDIS_CONNECT');
      expect(error.message).toContain(`unix:${join(dir, 'missing.sock')}`);
    } finally {
      await runner.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a redis-server that cannot start', async () => {
    const error = await startRedisServer({ binary: '/nonexistent/redis-server' }).catch((e) => e);
    expect(error).toBeInstanceOf(RedisServerError);
    expect(error.code).toBe('ERR_REDIS_START');
  });
});

// Each test starts a process from the TypeScript sources: seconds on a loaded machine.
describe('weft-worker command line', { timeout: 60_000 }, () => {
  const { execPath, args } = workerCommand();
  it('refuses to serve a module whose top-level code runs its own pipeline, saying how to guard it', () => {
    const fixture = fileURLToPath(new URL('./fixtures/runs-own-pipeline.ts', import.meta.url));
    const r = spawnSync(
      execPath,
      [
        ...args,
        '--redis',
        '/tmp/weft-never-started.sock',
        '--storage',
        '/tmp/weft-never-used',
        '--module',
        fixture,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'started a pipeline run while that module was being imported to find node functions',
    );
    expect(r.stderr).toContain('if (import.meta.main)');
  });
  it('prints its usage with --help', () => {
    const r = spawnSync(execPath, [...args, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: weft-worker --redis <url|socket> --storage <dir> --module <file>');
  });

  it('exits with 2 and says what is missing', () => {
    const r = spawnSync(execPath, [...args, '--redis', '/tmp/x.sock'], {
      encoding: 'utf8',
      env: { ...process.env, WEFT_STORAGE: '' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--storage (or WEFT_STORAGE) is required');
  });

  it('exits with 2 on an unknown option', () => {
    const r = spawnSync(execPath, [...args, '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--bogus'");
  });
});

/**
 * Property-based tests (fast-check) of what crosses Redis to a worker: the context envelope, the
 * job payload, and the error record a worker writes back. Arbitrary input never crashes the
 * worker or the coordinator: it either round-trips or fails with this package's own error, naming
 * the job (and the node), and nothing it holds is ever looked up on a prototype chain.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContextVar } from '@weft/contextvars';
import { encodeThrown } from '@weft/executor';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope, restoreEnvelope, runInRestored } from '../src/context-envelope.js';
import { readNodeError } from '../src/distributed-runner.js';
import { RemoteJobError, WorkerJobError } from '../src/index.js';
import { parseNodeJob } from '../src/node-job.js';
import { dateVar } from './fixtures/nodes.js';

const HOSTILE = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'v',
  'vars',
  'carrier',
  'context',
];
/** Propagatable variables with hostile names (the names are the wire keys). */
const hostileVars = HOSTILE.map((n) => new ContextVar<unknown>(n, { propagate: true }));
const plainVar = new ContextVar<unknown>('envelope.plain', { propagate: true });
const source = { jobId: 'run__node', node: 'node' };
const MAX = 1024 * 1024;
const jsonText = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

const protoKeys = Reflect.ownKeys(Object.prototype);
afterEach(() => {
  expect(Reflect.ownKeys(Object.prototype)).toEqual(protoKeys);
});

function expectOwnError(error: unknown): void {
  expect(error).toBeInstanceOf(WorkerJobError);
  expect((error as WorkerJobError).code).toBe('ERR_JOB_ENVELOPE');
  expect((error as Error).message).toContain("node 'node' (job run__node)");
}

/** Restores `envelope`; resolves to what it did (a context, or this package's error). */
function tryRestore(envelope: unknown): { ok: true } | { ok: false; error: unknown } {
  try {
    const restored = restoreEnvelope(envelope, source, MAX);
    runInRestored(restored, () => plainVar.get(undefined));
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('context envelope (property-based)', { timeout: 60_000 }, () => {
  it('round-trips JSON values of any variable, hostile names included, through JSON text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: hostileVars.length - 1 }), fc.jsonValue()), {
          maxLength: 6,
        }),
        fc.jsonValue(),
        fc.date({ noInvalidDate: true }),
        (assignments, plain, date) => {
          const bound = new Map<ContextVar<unknown>, unknown>();
          for (const [i, value] of assignments) bound.set(hostileVars[i] as ContextVar<unknown>, value);
          const build = () => buildEnvelope({ runId: 'run', node: 'node', filter: undefined, maxBytes: MAX });
          let wrapped = build;
          for (const [variable, value] of bound) {
            const inner = wrapped;
            wrapped = () => variable.run(value, inner);
          }
          const envelope = plainVar.run(plain, () => dateVar.run(date, wrapped));
          const wire = jsonText(envelope);
          const restored = restoreEnvelope(wire, source, MAX);
          runInRestored(restored, () => {
            expect(JSON.stringify(plainVar.get())).toBe(JSON.stringify(jsonText(plain)));
            expect(dateVar.get().getTime()).toBe(date.getTime());
            for (const [variable, value] of bound) {
              expect(JSON.stringify(variable.get())).toBe(JSON.stringify(jsonText(value)));
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('restores or refuses with ERR_JOB_ENVELOPE naming the job and node, whatever the envelope holds', () => {
    const varsKey = fc.oneof(fc.string(), fc.constantFrom(...HOSTILE, 'dist.date', 'envelope.plain'));
    const envelope = fc.oneof(
      fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true, withMap: true }),
      fc.record(
        {
          v: fc.oneof(fc.constant(2), fc.anything()),
          carrier: fc.oneof(
            fc.record(
              {
                context: fc.oneof(
                  fc.record({
                    v: fc.oneof(fc.constant(1), fc.anything()),
                    vars: fc.dictionary(varsKey, fc.jsonValue()),
                  }),
                  fc.anything(),
                ),
                unpropagated: fc.oneof(
                  fc.record(
                    { local: fc.oneof(fc.array(fc.string()), fc.anything()), filtered: fc.anything() },
                    { requiredKeys: [] },
                  ),
                  fc.anything(),
                ),
                x: fc.anything(),
              },
              { requiredKeys: [] },
            ),
            fc.anything(),
          ),
          origin: fc.anything(),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(envelope, (value) => {
        for (const candidate of [value, safeJson(value)]) {
          const outcome = tryRestore(candidate);
          if (!outcome.ok) expectOwnError(outcome.error);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses an envelope over the cap, naming the job, the node and the option to raise', () => {
    const envelope = plainVar.run('x'.repeat(5000), () =>
      buildEnvelope({ runId: 'run', node: 'node', filter: undefined, maxBytes: MAX }),
    );
    const error = (() => {
      try {
        restoreEnvelope(jsonText(envelope), source, 1000);
      } catch (e) {
        return e;
      }
    })();
    expectOwnError(error);
    expect((error as Error).message).toMatch(
      /is \d+ bytes, over this worker's limit of 1000 \(maxEnvelopeBytes, weft-worker --max-envelope-bytes\)/,
    );
  });
});

describe('job payload (property-based)', { timeout: 60_000 }, () => {
  it('parses a payload or refuses it with WorkerJobError naming the job, reading own properties only', () => {
    const member = fc.oneof(
      fc.anything({ withNullPrototype: true }),
      fc.record(
        {
          node: fc.oneof(fc.string(), fc.anything()),
          module: fc.oneof(fc.string(), fc.anything()),
          export: fc.oneof(fc.constantFrom(...HOSTILE), fc.string(), fc.anything()),
          streaming: fc.oneof(fc.boolean(), fc.anything()),
          ctx: fc.anything(),
          links: fc.oneof(
            fc.array(
              fc.tuple(fc.oneof(fc.nat(3), fc.string()), fc.nat(3), fc.oneof(fc.constant(null), fc.nat(2))),
            ),
            fc.anything(),
          ),
          retries: fc.oneof(fc.nat(3), fc.anything()),
        },
        { requiredKeys: [] },
      ),
    );
    const payload = fc.oneof(
      fc.anything({ withNullPrototype: true }),
      fc.record(
        {
          v: fc.oneof(fc.constant(2), fc.anything()),
          runId: fc.oneof(fc.string(), fc.anything()),
          nodes: fc.oneof(fc.array(member, { maxLength: 3 }), fc.anything()),
          input: fc.oneof(fc.string(), fc.anything()),
          inline: fc.oneof(fc.nat(), fc.anything()),
          code: fc.oneof(fc.string(), fc.anything()),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(payload, (data) => {
        try {
          const job = parseNodeJob('run__node', data);
          expect(job.nodes.length).toBeGreaterThan(0);
          for (const n of job.nodes) {
            expect(typeof n.export).toBe('string');
            expect(typeof n.ctx).toBe('object');
          }
        } catch (error) {
          expect(error).toBeInstanceOf(WorkerJobError);
          expect((error as Error).message).toMatch(/^Job run__node /);
        }
      }),
      { numRuns: 1000 },
    );
    // Inherited fields do not count.
    const inherited = Object.create({
      v: 2,
      runId: 'r',
      nodes: [{ node: 'n', module: 'file:///m.js', export: 'f', streaming: false, ctx: {} }],
      inline: 0,
      code: 'c',
    });
    expect(() => parseNodeJob('run__node', inherited)).toThrow(/payload version/);
  });
});

describe('error records a worker writes (property-based)', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-error-record-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("rebuild the node's error, or name the node and job when the record cannot be rebuilt; never throw", async () => {
    const path = join(dir, 'job.error.json');
    const record = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            kind: fc.constantFrom('error', 'value', 'uncloneable', 'other'),
            name: fc.oneof(fc.constantFrom(...HOSTILE), fc.string(), fc.jsonValue()),
            message: fc.oneof(fc.string(), fc.jsonValue()),
            stack: fc.oneof(fc.string(), fc.jsonValue()),
            props: fc.oneof(
              fc.dictionary(fc.oneof(fc.constantFrom(...HOSTILE), fc.string()), fc.jsonValue()),
              fc.jsonValue(),
            ),
            cause: fc.jsonValue(),
            errors: fc.jsonValue(),
          },
          { requiredKeys: ['kind'] },
        )
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(record, async (text) => {
        await writeFile(path, text);
        const outcome = await readNodeError(path, 'node', 'run__node');
        if (outcome instanceof RemoteJobError) {
          expect(outcome.code).toBe('ERR_JOB_ERROR_UNREADABLE');
          expect(outcome.message).toContain(
            "The job of node 'node' (run__node) failed, but the error its worker recorded",
          );
        }
        if (outcome instanceof Error) expect(typeof outcome.message).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('rebuild errors named like Object.prototype members with their name, message and code', async () => {
    const path = join(dir, 'named.error.json');
    for (const name of HOSTILE) {
      const error = Object.assign(new Error(`thrown as ${name}`), { code: 'E_X' });
      error.name = name;
      await writeFile(path, JSON.stringify(encodeThrown(error, 'json')));
      const rebuilt = (await readNodeError(path, 'node', 'run__node')) as Error & { code: string };
      expect(rebuilt).toBeInstanceOf(Error);
      expect(rebuilt.name).toBe(name);
      expect(rebuilt.message).toBe(`thrown as ${name}`);
      expect(rebuilt.code).toBe('E_X');
    }
    // A record with __proto__ among its props keeps Error's prototype.
    await writeFile(
      path,
      '{"kind":"error","name":"Error","message":"m","stack":"s","props":{"__proto__":null,"constructor":1}}',
    );
    const hostile = (await readNodeError(path, 'node', 'run__node')) as Error;
    expect(hostile).toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(hostile)).toBe(Error.prototype);
  });
});

function safeJson(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

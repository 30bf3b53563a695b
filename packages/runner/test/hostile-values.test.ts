/**
 * Values from the other side of a boundary (what a node throws or returns, what a worker sends
 * back) and names that are Object.prototype members never crash the run or go missing: the failing
 * node is named, the run settles, and what was saved stays saved.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describeError, describeErrorWithName } from '../src/extend.js';
import {
  DataCatalog,
  NodeFailedError,
  node,
  ParallelRunner,
  pipeline,
  SequentialRunner,
} from '../src/index.js';
import { identity, throwsBareObject, throwsNamed, throwsWithProps } from './fixtures/nodes.js';
import { LoggingDataset } from './support/logging-dataset.js';
import { closeRunners, fixturesModule, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

async function failure(p: Promise<unknown>): Promise<NodeFailedError> {
  try {
    await p;
  } catch (e) {
    return e as NodeFailedError;
  }
  throw new Error('expected the run to fail');
}

describe('describeError', () => {
  it('describes anything without throwing', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const throwingMessage = Object.defineProperty(new Error('x'), 'message', {
      get() {
        throw new Error('no message for you');
      },
    });
    const values: unknown[] = [
      Object.create(null),
      Object.assign(Object.create(null), { message: 'own message' }),
      { toString: 'not a function' },
      {
        toString() {
          throw new Error('nope');
        },
      },
      revoked.proxy,
      Symbol('s'),
      throwingMessage,
      undefined,
      null,
    ];
    for (const value of values) {
      expect(typeof describeError(value)).toBe('string');
      expect(typeof describeErrorWithName(value)).toBe('string');
    }
    expect(describeError(new TypeError('boom'))).toBe('boom');
    expect(describeErrorWithName(new TypeError('boom'))).toBe('TypeError: boom');
    expect(describeError(Object.assign(Object.create(null), { message: 'own message' }))).toBe('own message');
    expect(describeError(Object.create(null))).toBe('[object Object]');
  });
});

// Worker threads start cold here: seconds on a loaded machine.
describe.each(RUNNERS)('$name: hostile values', { timeout: 30_000 }, (kind) => {
  it('fails a node that throws an object without a prototype with NodeFailedError naming it', async () => {
    const p = pipeline([
      node(throwsBareObject, 'x', 'y', { name: 'bare' }),
      node(identity, 'x', 'kept', { name: 'fine' }),
    ]);
    const catalog = new DataCatalog({ x: 1 });
    const err = await failure(kind.make().run(p, catalog));
    expect(err).toBeInstanceOf(NodeFailedError);
    expect(err.node).toBe('bare');
    expect(err.message).toMatch(/^Node 'bare' failed: /);
  });

  it('keeps the name and message of an error named like an Object.prototype member, failing only that node', async () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const log: string[] = [];
      const p = pipeline([
        node(throwsNamed, 'n', 'y', { name: 'named' }),
        node(identity, 'x', 'kept', { name: 'fine' }),
      ]);
      const catalog = new DataCatalog({
        n: name,
        x: 1,
        kept: new LoggingDataset(log, 'kept', undefined, true),
      });
      const err = await failure(kind.make().run(p, catalog));
      expect(err.node).toBe('named');
      expect(err.cause).toBeInstanceOf(Error);
      expect((err.cause as Error).name).toBe(name);
      expect((err.cause as Error).message).toBe(`thrown with name ${name}`);
      expect(err.message.startsWith(`Node 'named' failed: thrown with name ${name}\n`)).toBe(true);
      expect(log).toContain('save kept');
    }
  });

  it('keeps the prototype of an error whose own properties include __proto__ and constructor', async () => {
    const props = [
      ['__proto__', { polluted: true }],
      ['constructor', 'x'],
      ['code', 'E_HOSTILE'],
    ];
    const p = pipeline([node(throwsWithProps, 'props', 'y', { name: 'props' })]);
    const err = await failure(kind.make().run(p, new DataCatalog({ props })));
    expect(err.node).toBe('props');
    expect(Object.getPrototypeOf(err.cause)).toBe(Error.prototype);
    expect((err.cause as { code?: unknown }).code).toBe('E_HOSTILE');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('returns outputs named like Object.prototype members as ordinary own outputs', async () => {
    const p = pipeline([
      node(identity, 'a', '__proto__', { name: 'p' }),
      node(identity, 'b', 'constructor', { name: 'c' }),
      node(identity, 'c', 'toString', { name: 't' }),
    ]);
    const out = await kind.make().run(p, new DataCatalog({ a: 1, b: 2, c: { nested: true } }));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe(1);
    expect(out.constructor).toBe(2);
    expect(out.toString).toEqual({ nested: true });
  });
});

describe('ParallelRunner: a worker error named like an Object.prototype member', { timeout: 30_000 }, () => {
  it('frees its worker: later runs on a one-worker pool go on, and close() resolves', async () => {
    const runner = new ParallelRunner({ module: fixturesModule, maxWorkers: 1 });
    try {
      for (const name of ['toString', '__proto__', 'constructor']) {
        const err = await failure(
          runner.run(
            pipeline([node(throwsNamed, 'n', 'y', { name: 'named' })]),
            new DataCatalog({ n: name }),
          ),
        );
        expect((err.cause as Error).name).toBe(name);
        const ok = pipeline([node(identity, 'x', 'y', { name: 'next' })]);
        expect(await runner.run(ok, new DataCatalog({ x: name }))).toEqual({ y: name });
      }
    } finally {
      await runner.close();
    }
  });
});

describe('an exception in the scheduler itself', () => {
  it('fails the node whose completion it was handling and settles the run (a logger that throws)', async () => {
    const logger = {
      info(message: string) {
        if (message.startsWith('Completed 1 ')) throw new Error('logger broke');
      },
      warn() {},
    };
    const p = pipeline([
      node(identity, 'x', 'a', { name: 'first' }),
      node(identity, 'a', 'b', { name: 'second' }),
    ]);
    const err = await failure(new SequentialRunner().run(p, new DataCatalog({ x: 1 }), { logger }));
    expect(err).toBeInstanceOf(NodeFailedError);
    expect(err.node).toBe('first');
    expect((err.cause as Error).message).toBe('logger broke');
  });
});

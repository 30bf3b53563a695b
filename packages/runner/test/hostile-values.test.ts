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
import { failure } from '../src/testing/test-api.js';
import { describeHostileValuesSuite } from '../src/testing.js';
import { identity, throwsNamed } from './fixtures/nodes.js';
import { closeRunners, fixturesModule, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

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

// The published suite (@weft/runner/testing). Worker threads start cold here: seconds on a loaded machine.
describeHostileValuesSuite({ describe, it, expect }, RUNNERS, { timeoutMs: 30_000 });

describe('ParallelRunner: a worker error named like an Object.prototype member', { timeout: 30_000 }, () => {
  it('frees its worker: later runs on a one-worker pool go on, and close() resolves', async () => {
    const runner = new ParallelRunner({ module: fixturesModule, maxWorkers: 1 });
    try {
      for (const name of ['toString', '__proto__', 'constructor']) {
        const err = await failure<NodeFailedError>(
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
    const err = await failure<NodeFailedError>(
      new SequentialRunner().run(p, new DataCatalog({ x: 1 }), { logger }),
    );
    expect(err).toBeInstanceOf(NodeFailedError);
    expect(err.node).toBe('first');
    expect((err.cause as Error).message).toBe('logger broke');
  });
});

/**
 * Values from the other side of a boundary (what a node throws or returns) and names that are
 * Object.prototype members never crash a run or go missing, on any runner.
 *
 * @module
 */
import { DataCatalog } from '../data-catalog.js';
import { NodeFailedError } from '../errors.js';
import { node } from '../node.js';
import { pipeline } from '../pipeline.js';
import { LoggingDataset } from './logging-dataset.js';
import { identity, throwsBareObject, throwsNamed, throwsWithProps } from './suite-nodes.js';
import { failure, itWith, type RunnerSuiteOptions, type RunnerUnderTest, type TestApi } from './test-api.js';

/**
 * Registers the hostile-value tests: thrown objects without a prototype, errors named like
 * Object.prototype members or carrying `__proto__`, outputs named `__proto__`.
 *
 * @experimental
 * @since 0.1.0
 */
export function describeHostileValuesSuite(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: RunnerSuiteOptions = {},
): void {
  const { describe, expect } = test;
  const it = itWith(test, options);
  for (const kind of runners) {
    describe(`${kind.name}: hostile values`, () => {
      it('fails a node that throws an object without a prototype with NodeFailedError naming it', async () => {
        const p = pipeline([
          node(throwsBareObject, 'x', 'y', { name: 'bare' }),
          node(identity, 'x', 'kept', { name: 'fine' }),
        ]);
        const catalog = new DataCatalog({ x: 1 });
        const err = await failure<NodeFailedError>(kind.make().run(p, catalog));
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
          const err = await failure<NodeFailedError>(kind.make().run(p, catalog));
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
        const err = await failure<NodeFailedError>(kind.make().run(p, new DataCatalog({ props })));
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
  }
}

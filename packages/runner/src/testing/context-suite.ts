/**
 * Context on any runner: every node sees the caller's context and what its hooks bind, nothing a
 * node sets leaks, hooks and dataset I/O run in the node's context.
 *
 * @module
 */
import { ContextVar } from '@weft/contextvars';
import { AbstractDataset } from '../abstract-dataset.js';
import { DataCatalog } from '../data-catalog.js';
import type { Hooks } from '../hooks.js';
import { node } from '../node.js';
import { type Pipeline, pipeline } from '../pipeline.js';
import { readContext, requestId, scratch, setScratchAndRead, taskRunId } from './suite-nodes.js';
import { itWith, type RunnerSuiteOptions, type RunnerUnderTest, type TestApi } from './test-api.js';

/** A variable of this process only (not propagatable): visible to hooks and datasets, never sent to workers. */
const localOnly = new ContextVar<string>('weft.testing.localOnly');

/** A dataset that records the context its load/save run in. */
class ContextRecordingDataset extends AbstractDataset {
  readonly seen: string[] = [];
  #data: unknown = 'seed';
  protected _load(): unknown {
    this.seen.push(`load:${requestId.get('none')}:${taskRunId.get('none')}`);
    return this.#data;
  }
  protected _save(data: unknown): void {
    this.seen.push(`save:${requestId.get('none')}:${taskRunId.get('none')}`);
    this.#data = data;
  }
}

const perNodeTaskRun: Hooks = {
  beforeNodeRun: ({ node: n }) => {
    taskRunId.set(`task-${n.name}`);
  },
};

/** Three `readContext` nodes fanned out from `src` into `ctx_a`, `ctx_b`, `ctx_c`. */
export function fanOutReadingContext(): Pipeline {
  return pipeline([
    node(readContext, 'src', 'ctx_a', { name: 'a' }),
    node(readContext, 'src', 'ctx_b', { name: 'b' }),
    node(readContext, 'src', 'ctx_c', { name: 'c' }),
  ]);
}

/**
 * Registers the context tests.
 *
 * @experimental
 * @since 0.1.0
 */
export function describeContextSuite(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: RunnerSuiteOptions = {},
): void {
  const { describe, expect } = test;
  const it = itWith(test, options);
  const fanOut = fanOutReadingContext;
  for (const kind of runners) {
    describe(`${kind.name}: context`, () => {
      it("shows the caller's context to every node", async () => {
        const out = await requestId.run('req-1', () =>
          kind.make().run(fanOut(), new DataCatalog({ src: 0 })),
        );
        for (const key of ['ctx_a', 'ctx_b', 'ctx_c']) {
          expect(out[key]).toEqual({ requestId: 'req-1', taskRunId: 'none', scratch: 'none' });
        }
      });

      it('lets beforeNodeRun bind a per-node value that only that node sees', async () => {
        const out = await requestId.run('req-2', () =>
          kind.make().run(fanOut(), new DataCatalog({ src: 0 }), { hooks: [perNodeTaskRun] }),
        );
        expect(out).toEqual({
          ctx_a: { requestId: 'req-2', taskRunId: 'task-a', scratch: 'none' },
          ctx_b: { requestId: 'req-2', taskRunId: 'task-b', scratch: 'none' },
          ctx_c: { requestId: 'req-2', taskRunId: 'task-c', scratch: 'none' },
        });
        expect(taskRunId.get('unset')).toBe('unset');
      });

      it('keeps what a node sets from its siblings, its children and the caller (reused workers too)', async () => {
        const p = pipeline([
          node(setScratchAndRead, 'x1', 'r1', { name: 'n1' }),
          node(setScratchAndRead, 'x2', 'r2', { name: 'n2' }),
          node(setScratchAndRead, 'r1', 'r3', { name: 'n3' }),
          node(setScratchAndRead, 'r2', 'r4', { name: 'n4' }),
          node(readContext, 'r3', 'after', { name: 'n5' }),
        ]);
        const out = await scratch.run('caller', async () => {
          const result = await kind.make().run(p, new DataCatalog({ x1: 1, x2: 2, r4_unused: 0 }));
          expect(scratch.get()).toBe('caller');
          return result;
        });
        expect((out.r4 as { before: string }).before).toBe('caller');
        expect((out.r4 as { after: string }).after).toMatch(/^set-by-node-/);
        expect(out.after).toEqual({ requestId: 'none', taskRunId: 'none', scratch: 'caller' });
      });

      it('runs node hooks and dataset I/O inside the node context', async () => {
        const ds = new ContextRecordingDataset();
        const out = new ContextRecordingDataset();
        const seenByHooks: string[] = [];
        const hooks: Hooks[] = [
          perNodeTaskRun,
          {
            beforeDatasetLoaded: ({ datasetName }) => {
              seenByHooks.push(`beforeLoad ${datasetName}:${taskRunId.get('none')}:${localOnly.get('none')}`);
            },
            afterNodeRun: ({ node: n }) => {
              seenByHooks.push(`afterNodeRun ${n.name}:${taskRunId.get('none')}`);
            },
            afterDatasetSaved: ({ datasetName }) => {
              seenByHooks.push(`afterSave ${datasetName}:${taskRunId.get('none')}`);
            },
          },
        ];
        const p = pipeline([node(readContext, 'in', 'out', { name: 'only' })]);
        await localOnly.run('main-only', () =>
          requestId.run('req-3', () => kind.make().run(p, new DataCatalog({ in: ds, out }), { hooks })),
        );
        expect(ds.seen).toEqual(['load:req-3:none']);
        expect(out.seen).toEqual(['save:req-3:task-only']);
        expect(seenByHooks).toEqual([
          'beforeLoad in:none:main-only',
          'afterNodeRun only:task-only',
          'afterSave out:task-only',
        ]);
      });

      it('lets beforePipelineRun bind run-wide values for every node, never for the caller', async () => {
        const hooks: Hooks[] = [
          {
            beforePipelineRun: ({ runId }) => {
              requestId.set(`flow-${runId}`);
            },
          },
        ];
        const out = await kind.make().run(fanOut(), new DataCatalog({ src: 0 }), { hooks, runId: 'r9' });
        expect((out.ctx_b as { requestId: string }).requestId).toBe('flow-r9');
        expect(requestId.get('unset')).toBe('unset');
      });

      it('runs nodes in an empty context with propagateContext: false', async () => {
        const out = await requestId.run('req-4', () =>
          kind
            .make()
            .run(fanOut(), new DataCatalog({ src: 0 }), { propagateContext: false, hooks: [perNodeTaskRun] }),
        );
        expect(out.ctx_a).toEqual({ requestId: 'none', taskRunId: 'task-a', scratch: 'none' });
      });
    });
  }
}

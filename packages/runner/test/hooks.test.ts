import { afterAll, describe, expect, it } from 'vitest';
import {
  DataCatalog,
  type Hooks,
  node,
  pipeline,
  RunnerConfigError,
  SequentialRunner,
} from '../src/index.js';
import { describeHooksSuite } from '../src/testing.js';
import { identity } from './fixtures/nodes.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

// The published suite (@weft/runner/testing): hooks on every runner.
describeHooksSuite({ describe, it, expect }, RUNNERS);

describe('hook validation', () => {
  const p = pipeline([node(identity, 'x', 'y', { name: 'n' })]);

  it('refuses classes, non-objects and misspelt hook methods, before anything runs', async () => {
    class MyHooks {
      beforeNodeRun() {}
    }
    const runner = new SequentialRunner();
    await expect(runner.run(p, new DataCatalog({ x: 1 }), { hooks: [MyHooks as never] })).rejects.toThrow(
      "Hook 0 is a function or class ('MyHooks'); hooks must be registered as objects (instances): did you forget 'new'?",
    );
    await expect(runner.run(p, new DataCatalog({ x: 1 }), { hooks: [3 as never] })).rejects.toBeInstanceOf(
      RunnerConfigError,
    );
    await expect(
      runner.run(p, new DataCatalog({ x: 1 }), { hooks: [{ beforeNodeRuns() {} } as never] }),
    ).rejects.toThrow("Hook 0 has a method 'beforeNodeRuns', which is not a hook.");
  });

  it('accepts class instances with prototype methods', async () => {
    class Counter implements Hooks {
      count = 0;
      afterNodeRun() {
        this.count++;
      }
    }
    const c = new Counter();
    await new SequentialRunner().run(p, new DataCatalog({ x: 1 }), { hooks: [c] });
    expect(c.count).toBe(1);
  });

  it('report the phase in onNodeError when a save fails', async () => {
    const phases: string[] = [];
    const catalog = new DataCatalog({ x: 1 });
    const q = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
    const hooks: Hooks[] = [
      {
        beforeDatasetSaved: () => {
          throw new Error('no space');
        },
        onNodeError: ({ phase }) => {
          phases.push(phase);
        },
      },
    ];
    await expect(new SequentialRunner().run(q, catalog, { hooks })).rejects.toThrow(/no space/);
    expect(phases).toEqual(['save']);
  });
});

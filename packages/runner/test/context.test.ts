import { afterAll, describe, expect, it } from 'vitest';
import { DataCatalog, type Hooks } from '../src/index.js';
import { fanOutReadingContext } from '../src/testing/context-suite.js';
import { describeContextSuite } from '../src/testing.js';
import { requestId, scratch } from './fixtures/nodes.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

// The published suite (@weft/runner/testing): context on every runner.
describeContextSuite({ describe, it, expect }, RUNNERS);

describe('ParallelRunner: context filter', () => {
  it('sends only allowed variables to workers; hooks on the main thread still see everything', async () => {
    const runner = RUNNERS[2]?.make();
    const seen: string[] = [];
    const hooks: Hooks[] = [
      {
        beforeNodeRun: () => {
          seen.push(requestId.get('none'));
        },
      },
    ];
    const out = await requestId.run('req-5', () =>
      scratch.run('visible', () =>
        runner?.run(fanOutReadingContext(), new DataCatalog({ src: 0 }), {
          hooks,
          contextFilter: { deny: [requestId] },
        }),
      ),
    );
    expect(out?.ctx_a).toEqual({ requestId: 'none', taskRunId: 'none', scratch: 'visible' });
    expect(seen).toEqual(['req-5', 'req-5', 'req-5']);
  });
});

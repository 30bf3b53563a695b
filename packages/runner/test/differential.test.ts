import { afterAll, describe, expect, it } from 'vitest';
import { ThreadRunner } from '../src/index.js';
import { describeRunnerConformance } from '../src/testing.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

// The published conformance suite (@weft/runner/testing), on the three runners and on
// ThreadRunner with one and with three slots.
describeRunnerConformance({ describe, it, expect }, [
  ...RUNNERS,
  { name: 'ThreadRunner, maxWorkers 1', make: () => new ThreadRunner({ maxWorkers: 1 }) },
  { name: 'ThreadRunner, maxWorkers 3', make: () => new ThreadRunner({ maxWorkers: 3 }) },
]);

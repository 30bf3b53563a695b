import { afterAll, describe, expect, it } from 'vitest';
import { describeOnlyMissingOutputsSuite } from '../src/testing.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

// The published suite (@weft/runner/testing): onlyMissingOutputs (Kedro checklist 45-54) on every runner.
describeOnlyMissingOutputsSuite({ describe, it, expect }, RUNNERS);

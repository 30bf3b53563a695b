/**
 * The project's pipelines (Kedro's `pipeline_registry.py`): `weft run` runs `__default__`,
 * `weft run --pipeline data_science` another one; `weft viz` draws each.
 *
 * @module
 */
import type { Pipeline } from '@weft/runner';
import { createPipeline as dataProcessing } from './pipelines/data_processing/pipeline.js';
import { createPipeline as dataScience } from './pipelines/data_science/pipeline.js';

/** Registers the project's pipelines. */
export function registerPipelines(): Record<string, Pipeline> {
  const dp = dataProcessing();
  const ds = dataScience();
  return { __default__: dp.add(ds), data_processing: dp, data_science: ds };
}

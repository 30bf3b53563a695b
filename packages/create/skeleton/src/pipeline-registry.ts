/**
 * The project's pipelines (Kedro's `pipeline_registry.py`). Each folder `src/pipelines/<name>/`
 * with a `pipeline.ts` exporting `createPipeline()` is a pipeline named after the folder
 * (Kedro's `find_pipelines()`); `__default__`, what `weft run` runs, is all of them.
 *
 * @module
 */
import { findPipelines } from '@weft/cli';
import { type Pipeline, pipeline } from '@weft/runner';

/** Registers the project's pipelines. */
export async function registerPipelines(): Promise<Record<string, Pipeline>> {
  const pipelines = await findPipelines(import.meta.url);
  return { ...pipelines, __default__: pipeline(Object.values(pipelines)) };
}

/**
 * The project's settings (Kedro's `settings.py`): hooks added to every run. See the README of
 * `@weft/cli` for the other settings (`datasetTypes`, `confSource`, `mergeStrategy`, `nodeModules`).
 *
 * @module
 */
import type { Hooks, PipelineHookArgs } from '@weft/runner';
import { tenantVar } from './context.js';

/**
 * Sets who the run is for (the parameter `tenant`, `weft run --params tenant=globex`) before any
 * node runs. The value follows every node, on every runner, as Weft propagates context; with
 * `weft run --no-context` it does not, and `profile_model_input` says so.
 */
export class TenantHooks implements Hooks {
  async beforePipelineRun({ catalog }: PipelineHookArgs): Promise<void> {
    if (catalog.has('params:tenant')) tenantVar.set(String(await catalog.load('params:tenant')));
  }
}

/** Hook objects of every run (Kedro's `HOOKS`). */
export const hooks = [new TenantHooks()];

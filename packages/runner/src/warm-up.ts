/**
 * Kedro's warm-up before a run: every dataset the pipeline uses is materialised in the catalog
 * (patterns resolved), and the free inputs the catalog cannot give fail the run before any node.
 *
 * @module
 */
import type { DataCatalog } from './data-catalog.js';
import { MissingInputsError } from './errors.js';
import { setRepr } from './names.js';
import type { Pipeline } from './pipeline.js';
import { planOf } from './run-plan.js';

/** Materialises every dataset the pipeline uses, then checks the free inputs (Kedro's warm-up). */
export function warmUp(pipeline: Pipeline, catalog: DataCatalog): void {
  const plan = planOf(pipeline);
  const missing: string[] = [];
  for (let id = 0; id < plan.names.length; id++) {
    const name = plan.names[id] as string;
    if (plan.freeInput[id] === 1 && !catalog.has(name)) missing.push(name);
    catalog.get(name, { fallbackToRuntimePattern: true });
  }
  if (missing.length > 0) {
    missing.sort();
    const why = missing
      .map((name) => {
        const reason = catalog.describeMissingParameter(name);
        return reason === undefined ? '' : `\n  '${name}': ${reason}`;
      })
      .join('');
    throw new MissingInputsError(
      `Pipeline input(s) ${setRepr(missing)} not found in the ${catalog.constructor.name}${why}`,
      { missing },
    );
  }
}

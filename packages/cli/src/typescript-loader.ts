/**
 * TypeScript projects without a build: `weft` registers tsx's loader in its main thread before it
 * imports the project (`src/settings.ts`, `src/pipeline-registry.ts`, the node modules). Worker
 * threads and worker processes get tsx from the runners' own `typescript` option.
 *
 * Why tsx: it runs TypeScript as written (`.ts` imports spelled `.js`, enums, decorators, path
 * aliases from tsconfig), on every Node line from 20, with one registration API for ES modules and
 * CommonJS; Node's own type stripping (22.18+) handles erasable syntax only and no `.js` → `.ts`
 * mapping.
 *
 * @module
 */
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

const REGISTERED = Symbol.for('weft.cli.typescript-registered');

/** Registers tsx (ES modules and CommonJS) in this thread, once. */
export function registerTypeScript(): void {
  const g = globalThis as { [REGISTERED]?: boolean };
  if (g[REGISTERED]) return;
  registerCjs();
  registerEsm();
  g[REGISTERED] = true;
}

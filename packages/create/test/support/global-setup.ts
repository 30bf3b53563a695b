/**
 * Vitest globalSetup of the create project: generated projects are run by the real `weft` bin
 * (`bin/weft.js` → `dist/`) and made by the real `create-weft` bin, so both and the packages they
 * use are built first (`tsc -b`, a no-op when up to date).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'packages/cli', 'packages/create'], {
    cwd: root,
    stdio: 'inherit',
  });
}

/**
 * Vitest globalSetup of the cli project: the end-to-end tests run the real `weft` bin
 * (`bin/weft.js` → `dist/`), so the CLI and the packages it uses are built first (`tsc -b`, a
 * no-op when up to date).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'packages/cli'], { cwd: root, stdio: 'inherit' });
}

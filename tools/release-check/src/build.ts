/**
 * Building the packages before they are packed: `tsc -b` of their project references, after either
 * a clean slate (release) or pruning outputs whose source is gone (test runs).
 *
 * @module
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './run-command.js';
import { tscPath } from './workspace.js';

/** Options of {@link buildPackages}. */
export interface BuildOptions {
  /**
   * Delete each package's `dist` first, so the tarball holds exactly what the current sources
   * compile to. Without it, outputs whose source file no longer exists are pruned and `tsc -b`
   * rebuilds only what is out of date.
   */
  clean?: boolean;
  /** Time limit of the `tsc -b` run (default 300 000 ms). */
  timeoutMs?: number;
}

const OUTPUT_SUFFIXES = ['.d.ts.map', '.d.ts', '.js.map', '.js'] as const;
const SOURCE_SUFFIXES = ['.ts', '.mts', '.tsx'] as const;

/**
 * Files under `<packageDir>/dist` compiled from a `src` file that no longer exists (`dist/x.js`,
 * `.js.map`, `.d.ts`, `.d.ts.map` without `src/x.ts`), as paths relative to the package.
 * `tsc -b` never deletes them, so without pruning they would be published.
 */
export function staleOutputs(packageDir: string): string[] {
  const distDir = path.join(packageDir, 'dist');
  if (!existsSync(distDir)) return [];
  const stale: string[] = [];
  for (const entry of readdirSync(distDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const relative = path.relative(distDir, path.join(entry.parentPath, entry.name));
    const suffix = OUTPUT_SUFFIXES.find((s) => relative.endsWith(s));
    if (!suffix) continue;
    const base = relative.slice(0, -suffix.length);
    const hasSource = SOURCE_SUFFIXES.some((s) => existsSync(path.join(packageDir, 'src', base + s)));
    if (!hasSource) stale.push(path.join('dist', relative));
  }
  return stale.sort();
}

/**
 * Brings `dist` of every package up to date with `tsc -b <dirs...>` (the workspace's TypeScript):
 * cleans or prunes stale outputs first (see {@link BuildOptions.clean}). Rejects with the compiler's
 * output when the build fails.
 */
export async function buildPackages(
  root: string,
  packageDirs: readonly string[],
  options: BuildOptions = {},
): Promise<void> {
  for (const dir of packageDirs) {
    if (options.clean) {
      rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    } else {
      for (const file of staleOutputs(dir)) rmSync(path.join(dir, file), { force: true });
    }
  }
  await runCommand(process.execPath, [tscPath(root), '-b', ...packageDirs], {
    cwd: root,
    timeoutMs: options.timeoutMs ?? 300_000,
  });
}

/**
 * `@arethetypeswrong/cli` (attw) on a tarball: does TypeScript find the right declarations for
 * every entry point, under every module resolution a consumer may use?
 *
 * Weft publishes ESM only, for Node, so the checks run with attw's `esm-only` profile: it judges the
 * `node16` resolution from ESM (what a `"module": "NodeNext"` project that imports us uses) and
 * `bundler`, and leaves out two resolutions that cannot apply to an ESM-only package:
 * `node10` (TypeScript's legacy `moduleResolution: node`, which ignores `exports` and so never sees
 * a subpath such as `@weft/prefect-bridge/testing`) and `node16` from CommonJS (a `require()` of an
 * ESM file; Node 20.19+ can `require()` ESM, but TypeScript 5.6, which attw embeds, reports it as
 * "dynamic import only"). What those two would say is still collected, as `ignored`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { CommandFailedError, ConsumerCheckError } from './errors.js';
import { isolatedEnv, runCommand } from './run-command.js';

/** The attw profile for ESM-only Node packages, and the resolutions it leaves out. */
export const ATTW_PROFILE = 'esm-only';
const IGNORED_RESOLUTIONS = new Set(['node10', 'node16-cjs']);

/** One attw finding. */
export interface TypesProblem {
  /** attw's problem kind, e.g. `NoResolution`, `FalseESM`, `InternalResolutionError`. */
  kind: string;
  /** The entry point (`.`, `./testing`), when the problem belongs to one. */
  entrypoint?: string;
  /** The module resolution it happens under (`node16-esm`, `bundler`, ...), when it depends on one. */
  resolutionKind?: string;
}

/** attw's verdict on one tarball. */
export interface TypesReport {
  packageName: string;
  packageVersion: string;
  /** Problems under the resolutions the profile checks: the package fails when there is any. */
  problems: TypesProblem[];
  /** Problems under the resolutions an ESM-only package leaves out (see the module comment). */
  ignored: TypesProblem[];
}

/**
 * Runs attw (the version this package pins, on the Node running the checks) on a `.tgz` with the
 * {@link ATTW_PROFILE} profile, without looking up DefinitelyTyped, and sorts its findings.
 * Rejects with a {@link ConsumerCheckError} naming the package and every problem when attw finds
 * one the profile checks.
 */
export async function checkTypesResolution(tarball: string): Promise<TypesReport> {
  const cli = path.join(
    path.dirname(createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json')),
    'dist',
    'index.js',
  );
  const args = [cli, tarball, '--profile', ATTW_PROFILE, '--format', 'json', '--no-definitely-typed'];
  let stdout: string;
  try {
    ({ stdout } = await runCommand(process.execPath, args, {
      cwd: path.dirname(tarball),
      env: isolatedEnv({ NO_COLOR: '1' }),
      timeoutMs: 120_000,
    }));
  } catch (error) {
    // attw exits 1 when it finds problems, and still prints its JSON.
    if (!(error instanceof CommandFailedError) || !error.stdout.trim().startsWith('{')) throw error;
    stdout = error.stdout;
  }
  const result = JSON.parse(stdout) as {
    analysis: { packageName: string; packageVersion: string };
    problems?: Record<string, TypesProblem[]>;
  };
  const all = Object.values(result.problems ?? {}).flat();
  const report: TypesReport = {
    packageName: result.analysis.packageName,
    packageVersion: result.analysis.packageVersion,
    problems: all.filter((p) => !p.resolutionKind || !IGNORED_RESOLUTIONS.has(p.resolutionKind)),
    ignored: all.filter((p) => p.resolutionKind !== undefined && IGNORED_RESOLUTIONS.has(p.resolutionKind)),
  };
  if (report.problems.length > 0) {
    throw new ConsumerCheckError(
      `attw (--profile ${ATTW_PROFILE}) finds type resolution problems in ${report.packageName}@${report.packageVersion}:\n${report.problems
        .map(
          (p) =>
            `  - ${p.kind}${p.entrypoint ? ` at "${p.entrypoint}"` : ''}${p.resolutionKind ? ` (${p.resolutionKind})` : ''}`,
        )
        .join('\n')}`,
    );
  }
  return report;
}

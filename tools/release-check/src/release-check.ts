/**
 * The whole release check, end to end, as `pnpm release:dry` runs it: build, pack every public
 * package, check each tarball, lint it, and prove the set installs, imports and type-checks in an
 * empty consumer project.
 *
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPackages } from './build.js';
import { importInstalled, installTarballs, runSmokeScript, typecheckConsumer } from './consumer.js';
import { ConsumerCheckError, PackedPackageError, PublintError, ReleaseCheckError } from './errors.js';
import { lintTarball } from './lint.js';
import { checkPackedPackage } from './manifest-checks.js';
import { type PackedTarball, packPackages, readTarball } from './pack.js';
import { listPublicPackages, readWorkspaceRoot } from './workspace.js';

/** Options of {@link runReleaseCheck}. */
export interface ReleaseCheckOptions {
  /** Workspace root (the folder with pnpm-workspace.yaml). */
  root: string;
  /** Folder of the consumer fixtures (`<unscoped name>.mjs` / `.mts` per package). */
  fixturesDir: string;
  /** Keep the tarballs in this folder; by default they go to a temporary folder that is removed. */
  outDir?: string;
  /** Delete every `dist` and rebuild from scratch first (default true). */
  clean?: boolean;
  /** Install the tarballs into an empty npm project, import and type-check them (default true). */
  consumer?: boolean;
  /** Progress lines go here (default: nowhere). */
  log?: (line: string) => void;
}

/** One packed package in the {@link ReleaseReport}. */
export interface PackedSummary {
  name: string;
  version: string;
  /** Absolute path of the tarball (gone after the run unless `outDir` was given). */
  tarball: string;
  /** Tarball size in bytes. */
  size: number;
  /** Number of packed files. */
  fileCount: number;
  /** Dependencies on other public packages as published, e.g. `{ '@weft/contextvars': '^0.1.0' }`. */
  internalDependencies: Record<string, string>;
  /** publint suggestions (never fatal). */
  suggestions: string[];
}

/** What {@link runReleaseCheck} found. */
export interface ReleaseReport {
  packages: PackedSummary[];
  /** Every failed check; empty when the release is good to go. */
  failures: ReleaseCheckError[];
}

/**
 * Runs every release check and collects the failures instead of stopping at the first, so one run
 * lists everything to fix. Rejects only when the checks themselves cannot run (the build or
 * `pnpm pack` fails).
 */
export async function runReleaseCheck(options: ReleaseCheckOptions): Promise<ReleaseReport> {
  const log = options.log ?? (() => {});
  const packages = await listPublicPackages(options.root);
  log(`public packages: ${packages.map((p) => `${p.name}@${p.version}`).join(', ')}`);

  log(options.clean === false ? 'building (tsc -b)...' : 'building from a clean dist (tsc -b)...');
  await buildPackages(
    options.root,
    packages.map((p) => p.dir),
    { clean: options.clean !== false },
  );

  const work = mkdtempSync(path.join(tmpdir(), 'weft-release-dry-'));
  try {
    const outDir = options.outDir ? path.resolve(options.outDir) : path.join(work, 'tarballs');
    mkdirSync(outDir, { recursive: true });
    log(`packing with pnpm into ${outDir}...`);
    const packed = await packPackages(options.root, packages, outDir);

    const failures: ReleaseCheckError[] = [];
    const summaries: PackedSummary[] = [];
    const root = readWorkspaceRoot(options.root);
    for (const tarball of packed) {
      const problems = checkPackedPackage(tarball, tarball.package, packages, root);
      if (problems.length > 0) failures.push(new PackedPackageError(tarball.manifest.name, problems));
      const lint = await lintTarball((await readTarball(tarball.tarball)).bytes);
      if (lint.failures.length > 0) failures.push(new PublintError(tarball.manifest.name, lint.failures));
      summaries.push(summarize(tarball, packed, lint.suggestions));
    }

    if (options.consumer !== false) {
      const consumer = path.join(work, 'consumer');
      mkdirSync(consumer);
      await checkConsumer(options, packed, consumer, failures, log);
    }
    return { packages: summaries, failures };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function checkConsumer(
  options: ReleaseCheckOptions,
  packed: PackedTarball[],
  consumer: string,
  failures: ReleaseCheckError[],
  log: (line: string) => void,
): Promise<void> {
  const names = packed.map((t) => t.manifest.name);
  const attempt = async (what: string, step: () => Promise<unknown>): Promise<boolean> => {
    log(what);
    try {
      await step();
      return true;
    } catch (error) {
      failures.push(
        error instanceof ReleaseCheckError
          ? error
          : new ConsumerCheckError(`${what} failed: ${error}`, { cause: error }),
      );
      return false;
    }
  };
  if (
    !(await attempt('installing the tarballs into an empty npm project...', () =>
      installTarballs(options.root, packed, consumer),
    ))
  ) {
    return;
  }
  let runtimeExports: Awaited<ReturnType<typeof importInstalled>> | undefined;
  const imported = await attempt('importing every package from plain Node ESM...', async () => {
    runtimeExports = await importInstalled(
      consumer,
      packed.map((t) => t.manifest),
    );
  });
  for (const name of names) {
    await attempt(`running the ${name} consumer smoke script...`, () =>
      runSmokeScript(consumer, options.fixturesDir, name),
    );
  }
  if (imported && runtimeExports) {
    const exportsByName = runtimeExports;
    await attempt('type-checking the consumer with tsc...', () =>
      typecheckConsumer(options.root, consumer, options.fixturesDir, exportsByName),
    );
  }
}

function summarize(
  tarball: PackedTarball,
  all: readonly PackedTarball[],
  suggestions: string[],
): PackedSummary {
  const internalNames = new Set(all.map((t) => t.manifest.name));
  const internalDependencies = Object.fromEntries(
    Object.entries(tarball.manifest.dependencies ?? {}).filter(([dep]) => internalNames.has(dep)),
  );
  return {
    name: tarball.manifest.name,
    version: tarball.manifest.version,
    tarball: tarball.tarball,
    size: tarball.size,
    fileCount: tarball.files.length,
    internalDependencies,
    suggestions,
  };
}

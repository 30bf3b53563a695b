#!/usr/bin/env node
/**
 * `pnpm release:dry`: packs every public package as a release would and runs every release check
 * on the tarballs; nothing is published. See {@link RELEASE_DRY_USAGE} for the options.
 *
 * Exit status: 0 when every package is ready to publish, 1 when a check found problems (each is
 * listed), 2 when the checks could not run (a bad command line, a failed build, a missing tool);
 * errors are printed as plain messages, never as stack traces.
 *
 * @module
 */
import path from 'node:path';
import { parseReleaseDryArgs, RELEASE_DRY_USAGE } from './cli-options.js';
import { ReleaseCheckError, UsageError } from './errors.js';
import { type ReleaseReport, runReleaseCheck } from './release-check.js';
import { findWorkspaceRoot } from './workspace.js';

async function main(argv: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseReleaseDryArgs>;
  try {
    command = parseReleaseDryArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`release:dry: ${error.message}\n(pnpm release:dry -- --help lists the options)\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(RELEASE_DRY_USAGE);
    return 0;
  }

  const cwd = process.env.INIT_CWD ?? process.cwd();
  const started = performance.now();
  const root = findWorkspaceRoot(cwd);
  const report = await runReleaseCheck({
    root,
    fixturesDir: path.join(import.meta.dirname, '..', 'consumer'),
    ...(command.outDir === undefined ? {} : { outDir: path.resolve(cwd, command.outDir) }),
    clean: command.clean,
    consumer: command.consumer,
    log: (line) => console.log(`· ${line}`),
  });
  printReport(report, command.outDir);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (report.failures.length > 0) {
    console.error(`\nrelease check FAILED (${report.failures.length} problem(s), ${seconds} s):`);
    for (const failure of report.failures) console.error(`\n[${failure.code}] ${failure.message}`);
    return 1;
  }
  console.log(
    `\nrelease check passed: ${report.packages.length} packages are ready to publish (${seconds} s)`,
  );
  return 0;
}

function printReport(report: ReleaseReport, outDir: string | undefined): void {
  console.log('');
  const rows = report.packages.map((p) => [
    `${p.name}@${p.version}`,
    `${(p.size / 1024).toFixed(1)} kB`,
    `${p.fileCount} files`,
    Object.entries(p.internalDependencies)
      .map(([dep, range]) => `${dep} ${range}`)
      .join(', ') || '-',
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  for (const p of report.packages) {
    for (const suggestion of p.suggestions) console.log(`  publint suggestion for ${p.name}: ${suggestion}`);
  }
  if (outDir !== undefined)
    console.log(`\ntarballs kept in ${path.dirname(report.packages[0]?.tarball ?? outDir)}`);
}

/** The message of an error and of each cause under it, one line each. */
function describe(error: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = error; e !== undefined && lines.length < 5; e = (e as Error).cause) {
    const message = e instanceof Error ? e.message : String(e);
    lines.push(lines.length === 0 ? message : `caused by: ${message}`);
    if (!(e instanceof Error)) break;
  }
  return lines.join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const kind = error instanceof ReleaseCheckError ? `[${error.code}] ` : '';
    process.stderr.write(`release:dry: the checks could not run: ${kind}${describe(error)}\n`);
    process.exitCode = 2;
  },
);

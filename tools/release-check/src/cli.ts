#!/usr/bin/env node
/**
 * `pnpm release:dry`: packs every public package as a release would and runs every release check
 * on the tarballs; nothing is published. Exits 1 and lists every problem when one check fails.
 *
 * Options: `--out <dir>` keeps the tarballs there; `--no-clean` skips the clean rebuild;
 * `--no-consumer` skips the install/import/type-check in an empty npm project.
 *
 * @module
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runReleaseCheck } from './release-check.js';
import { findWorkspaceRoot } from './workspace.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    'no-clean': { type: 'boolean', default: false },
    'no-consumer': { type: 'boolean', default: false },
  },
  strict: true,
});

const root = findWorkspaceRoot(process.env.INIT_CWD ?? process.cwd());
const started = performance.now();
const report = await runReleaseCheck({
  root,
  fixturesDir: path.join(import.meta.dirname, '..', 'consumer'),
  ...(values.out === undefined
    ? {}
    : { outDir: path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out) }),
  clean: !values['no-clean'],
  consumer: !values['no-consumer'],
  log: (line) => console.log(`· ${line}`),
});

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
if (values.out !== undefined)
  console.log(`\ntarballs kept in ${path.dirname(report.packages[0]?.tarball ?? values.out)}`);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (report.failures.length > 0) {
  console.error(`\nrelease check FAILED (${report.failures.length} problem(s), ${seconds} s):`);
  for (const failure of report.failures) console.error(`\n[${failure.code}] ${failure.message}`);
  process.exitCode = 1;
} else {
  console.log(
    `\nrelease check passed: ${report.packages.length} packages are ready to publish (${seconds} s)`,
  );
}

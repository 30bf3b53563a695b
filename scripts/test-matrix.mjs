#!/usr/bin/env node
/**
 * Runs the test suite (`npx pnpm@10.34.9 test`, the README's test line) on several Node
 * lines, one after the other, and ends with one table of results.
 *
 *   node scripts/test-matrix.mjs                                  # whole suite on 20, 22, 24, 26
 *   node scripts/test-matrix.mjs --lines 22,24 --projects contextvars,executor,runner
 *   node scripts/test-matrix.mjs --als-modes                      # contextvars in the six ALS modes
 *   node scripts/test-matrix.mjs --lines 26 -- test/some.test.ts  # extra vitest arguments
 *
 * `--als-modes` runs the given projects (default: contextvars) on 22 with and without
 * `--experimental-async-context-frame` and on 24 and 26 with and without
 * `--no-async-context-frame` (the flag reaches the test processes through `WEFT_TEST_NODE_FLAGS`,
 * which vitest.config.ts reads); each run tells the tests which AsyncLocalStorage implementation
 * to expect (`WEFT_EXPECT_ALS`), and they check it. Exits non-zero when any run fails. Each run's
 * output also goes to `test-results/matrix/node-<version>[-flag].log`.
 * Plain ESM without dependencies, for Node >= 20.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALL_LINES, ensureNodeLine, NODE_LINES, nodeLineEnv, PNPM } from './node-line.mjs';

/** The six AsyncLocalStorage modes: Node line, extra node flag, implementation expected. */
export const ALS_MODES = Object.freeze([
  { line: '22', flag: undefined, als: 'async-hooks' },
  { line: '22', flag: '--experimental-async-context-frame', als: 'async-context-frame' },
  { line: '24', flag: undefined, als: 'async-context-frame' },
  { line: '24', flag: '--no-async-context-frame', als: 'async-hooks' },
  { line: '26', flag: undefined, als: 'async-context-frame' },
  { line: '26', flag: '--no-async-context-frame', als: 'async-hooks' },
]);

/** Where each run's full output is kept (git-ignored). */
const LOG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-results', 'matrix');

const USAGE = `usage: node scripts/test-matrix.mjs [--lines 20,22,24,26] [--projects a,b] [--als-modes] [-- vitest args]`;

/**
 * Runs `npx --yes pnpm test` with the Node of `line`, forwarding its output; resolves with the
 * counts of vitest's summary line (`N passed, N failed, N skipped`), the exit code and the time.
 */
export async function runTests({ line, flag, als, vitestArgs = [] }) {
  const { version, binDir } = await ensureNodeLine(line);
  const args = ['--yes', PNPM, 'test', ...vitestArgs];
  const env = nodeLineEnv(binDir);
  // vitest.config.ts hands these to every test process (a project's own execArgv would replace --execArgv).
  env.WEFT_TEST_NODE_FLAGS = flag ?? '';
  env.WEFT_EXPECT_ALS = als ?? '';
  const label = `Node ${version}${flag === undefined ? '' : ` ${flag}`}`;
  process.stdout.write(`\n=== ${label}: npx ${args.join(' ')}\n`);
  const started = Date.now();
  let tail = '';
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `node-${version}${flag === undefined ? '' : flag.replace(/^-+/, '-')}.log`);
  const log = createWriteStream(logFile);
  const code = await new Promise((done, fail) => {
    const child = spawn('npx', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk) => {
      process.stdout.write(chunk);
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', fail);
    child.on('exit', (exit, signal) => done(exit ?? (signal ? 128 : 1)));
  });
  await new Promise((resolve) => log.end(resolve));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours
  const plain = tail.replace(/\u001b\[[0-9;]*m/g, '');
  const summary = /(\d+) passed, (\d+) failed, (\d+) skipped/.exec(plain);
  return {
    label,
    version,
    flag,
    code,
    seconds: Math.round((Date.now() - started) / 1000),
    passed: summary ? Number(summary[1]) : undefined,
    failed: summary ? Number(summary[2]) : undefined,
    skipped: summary ? Number(summary[3]) : undefined,
  };
}

/** The results as a Markdown table. */
export function resultTable(results) {
  const rows = [
    '| Node | passed | failed | skipped | exit | time |',
    '| ---- | -----: | -----: | ------: | ---: | ---: |',
  ];
  for (const r of results) {
    const n = (v) => (v === undefined ? '?' : String(v));
    rows.push(
      `| ${r.label} | ${n(r.passed)} | ${n(r.failed)} | ${n(r.skipped)} | ${r.code} | ${r.seconds} s |`,
    );
  }
  return rows.join('\n');
}

async function main(rawArgv) {
  // `pnpm test:matrix -- --lines 24` passes the `--` along.
  const argv = rawArgv[0] === '--' ? rawArgv.slice(1) : rawArgv;
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const extra = dash === -1 ? [] : argv.slice(dash + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      options: {
        lines: { type: 'string' },
        projects: { type: 'string' },
        'als-modes': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`test-matrix: ${error.message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(`${USAGE}\nlines: ${ALL_LINES.map((l) => `${l} (${NODE_LINES[l]})`).join(', ')}`);
    return 0;
  }
  const projects = (values.projects ?? (values['als-modes'] ? 'contextvars' : ''))
    .split(',')
    .filter((p) => p !== '');
  const vitestArgs = [...projects.flatMap((p) => ['--project', p]), ...extra];
  const runs = values['als-modes']
    ? ALS_MODES.filter((m) => values.lines === undefined || values.lines.split(',').includes(m.line)).map(
        (m) => ({ ...m, vitestArgs }),
      )
    : (values.lines ?? ALL_LINES.join(',')).split(',').map((line) => ({ line, vitestArgs }));
  const results = [];
  for (const run of runs) results.push(await runTests(run));
  const what = projects.length === 0 ? 'whole suite' : `projects ${projects.join(', ')}`;
  console.log(`\nTest matrix (${what}${extra.length === 0 ? '' : ` ${extra.join(' ')}`}):\n`);
  console.log(resultTable(results));
  return results.every((r) => r.code === 0 && r.failed === 0) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}

#!/usr/bin/env node
/**
 * `pnpm demo`: the spaceflights pipeline with run-aware logging on the runner of your choice.
 * See `--help` and the README.
 *
 * @module
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from './cli.js';
import { NODE_NAMES } from './pipeline.js';
import { runDemo } from './run-demo.js';

/** The demo's folder (`apps/demo`), whether running from `dist/` or `src/`. */
const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const outcome = parseCli(process.argv.slice(2), NODE_NAMES, appDir);
if (outcome.kind === 'exit') {
  (outcome.exitCode === 0 ? process.stdout : process.stderr).write(outcome.output);
  process.exitCode = outcome.exitCode;
} else {
  const result = await runDemo(outcome.options, { cwd: process.env.INIT_CWD ?? process.cwd() });
  process.exitCode = result.exitCode;
}

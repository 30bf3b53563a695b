/**
 * Writing a new project: the template's files into an empty folder, its `package.json` named and
 * pinned to the `@weft/*` release of this starter, then (if asked) its dependencies installed.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CreateError, CreateUsageError } from './errors.js';
import { type PackageManager, projectCommands } from './package-manager.js';
import { checkPackageName, toPackageName } from './project-name.js';
import { loadTemplates, type Templates } from './templates.js';

/** Options of {@link createProject}. */
export interface CreateProjectOptions {
  /** The project folder (created; must be empty if it exists). */
  readonly directory: string;
  /** The package name; default from the folder's name. */
  readonly name?: string;
  /** The spaceflights example (default true); false writes the layout alone. */
  readonly example?: boolean;
  /** Install the dependencies afterwards (default false). */
  readonly install?: boolean;
  /** The package manager to install with and to word the next steps for; default `npm`. */
  readonly packageManager?: PackageManager;
  /** The templates; default the package's own `templates.json`. */
  readonly templates?: Templates;
  /** The `@weft/*` version the project depends on (`^version`); default this package's version. */
  readonly weftVersion?: string;
  /** Where the install's output goes; default inherited (the terminal). */
  readonly stdio?: 'inherit' | 'ignore';
}

/** What {@link createProject} did. */
export interface CreatedProject {
  /** The project folder (absolute). */
  readonly dir: string;
  readonly name: string;
  readonly example: boolean;
  /** Files written, relative to the folder, sorted. */
  readonly files: readonly string[];
  readonly packageManager: PackageManager;
  /** The `@weft/*` range in `package.json`. */
  readonly weftRange: string;
  readonly installed: boolean;
}

/** This package's version: the release of the `@weft/*` packages a new project depends on. */
export function starterVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

async function checkFolder(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return;
    if ((error as { code?: string }).code === 'ENOTDIR') {
      throw new CreateUsageError(`${dir} is a file, not a folder; name a new folder for the project`);
    }
    throw new CreateUsageError(`cannot read ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const other = entries.filter((e) => e !== '.git');
  if (other.length > 0) {
    const shown = other.slice(0, 5).join(', ');
    throw new CreateUsageError(
      `${dir} is not empty (${shown}${other.length > 5 ? ', …' : ''}); name a new or empty folder, nothing was written`,
    );
  }
}

/** The template's `package.json` with the project's name and `workspace:` ranges as the release's. */
function projectManifest(text: string, name: string, weftRange: string): string {
  const manifest = JSON.parse(text) as Record<string, unknown>;
  manifest.name = name;
  for (const field of ['dependencies', 'devDependencies']) {
    const deps = manifest[field] as Record<string, string> | undefined;
    for (const [dep, spec] of Object.entries(deps ?? {})) {
      if (spec.startsWith('workspace:')) (deps as Record<string, string>)[dep] = weftRange;
    }
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The README with the project's name as its title. */
function projectReadme(text: string, name: string): string {
  return text.replace(/^# .*$/m, `# ${name}`);
}

/**
 * Installs a project's dependencies with `pm` (`npm install`, `pnpm install`, …).
 *
 * @throws {CreateError} (exit 1) when the install cannot run or fails.
 */
export function installDependencies(
  dir: string,
  pm: PackageManager,
  stdio: 'inherit' | 'ignore' = 'inherit',
): Promise<void> {
  const [command, ...args] = projectCommands(pm).install;
  return new Promise((resolveInstall, reject) => {
    const child = spawn(command, args, { cwd: dir, stdio, shell: process.platform === 'win32' });
    child.on('error', (error) =>
      reject(
        new CreateError('ERR_CREATE_INSTALL', `cannot run ${command} install: ${error.message}`, {
          cause: error,
          exitCode: 1,
        }),
      ),
    );
    child.on('exit', (code, signal) => {
      if (code === 0) resolveInstall();
      else {
        reject(
          new CreateError(
            'ERR_CREATE_INSTALL',
            `${[command, ...args].join(' ')} failed (${signal ?? `exit code ${code}`}); the project is written: run it again in ${dir}`,
            { exitCode: 1 },
          ),
        );
      }
    });
  });
}

/**
 * Writes a new Weft project into `options.directory`.
 *
 * @example
 * ```ts
 * const project = await createProject({ directory: 'spaceflights', install: true, packageManager: 'pnpm' });
 * ```
 * @throws {CreateUsageError} (nothing written) for a folder that is not empty or a bad name.
 * @throws {CreateError} (exit 1) when the install fails after the files were written.
 */
export async function createProject(options: CreateProjectOptions): Promise<CreatedProject> {
  const dir = resolve(options.directory);
  const name =
    options.name === undefined
      ? checkPackageName(toPackageName(basename(dir)), `the folder name '${basename(dir)}'`)
      : checkPackageName(options.name, '--name');
  await checkFolder(dir);
  const templates = options.templates ?? (await loadTemplates());
  const example = options.example !== false;
  const files = example ? templates.example : templates.skeleton;
  const weftRange = `^${options.weftVersion ?? starterVersion()}`;
  const written: string[] = [];
  for (const [path, text] of Object.entries(files)) {
    if (path.startsWith('/') || path.split('/').includes('..')) {
      throw new CreateError('ERR_CREATE_TEMPLATES', `the template names a path outside the project: ${path}`);
    }
    const content =
      path === 'package.json'
        ? projectManifest(text, name, weftRange)
        : path === 'README.md'
          ? projectReadme(text, name)
          : text;
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, { flag: 'wx' });
    written.push(path);
  }
  const packageManager = options.packageManager ?? 'npm';
  if (options.install === true) await installDependencies(dir, packageManager, options.stdio ?? 'inherit');
  return {
    dir,
    name,
    example,
    files: written.sort(),
    packageManager,
    weftRange,
    installed: options.install === true,
  };
}

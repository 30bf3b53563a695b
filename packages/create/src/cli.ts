/**
 * The `create-weft` command line (`npm create @weft@latest my-project`): the folder from the
 * argument, or asked for on a terminal; `--name`, `--no-example`, `--install`/`--no-install`,
 * `--package-manager`; then what to type next, for the package manager that ran it.
 *
 * @module
 */
import { relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createProject, installDependencies, starterVersion } from './create-project.js';
import { CreateError, CreateUsageError } from './errors.js';
import {
  detectPackageManager,
  PACKAGE_MANAGERS,
  type PackageManager,
  projectCommands,
} from './package-manager.js';
import type { Templates } from './templates.js';

/** Where `create-weft` reads and writes, and its environment. */
export interface CreateIO {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The templates (tests give the workspace's); default the package's own. */
  readonly templates?: Templates;
}

/** A word as a POSIX shell reads it (quoted when it needs to be). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The folder a project gets when the terminal user just presses Enter. */
export const DEFAULT_FOLDER = 'spaceflights';

interface Flags {
  name?: string;
  example: boolean;
  install: boolean;
  packageManager?: PackageManager;
}

function packageManager(value: string): PackageManager {
  if ((PACKAGE_MANAGERS as readonly string[]).includes(value)) return value as PackageManager;
  throw new InvalidArgumentError(`use one of ${PACKAGE_MANAGERS.join(', ')}.`);
}

async function ask(io: CreateIO): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stdout as NodeJS.WritableStream });
  try {
    const answer = (await rl.question(`Project folder (${DEFAULT_FOLDER}): `)).trim();
    return answer === '' ? DEFAULT_FOLDER : answer;
  } finally {
    rl.close();
  }
}

/**
 * Runs `create-weft` with `argv` (the arguments after the command) and resolves to the exit
 * status: 0 created, 1 created but the install failed, 2 nothing written (a usage problem).
 */
export async function runCreate(argv: readonly string[], io: CreateIO): Promise<number> {
  const detected = detectPackageManager(io.env.npm_config_user_agent);
  let result: { directory: string | undefined; flags: Flags } | undefined;
  const program = new Command('create-weft')
    .description(
      "Makes a new Weft project: Kedro's spaceflights starter in TypeScript (conf/, data/, two pipelines, " +
        'tests), ready for weft run and weft viz on every runner, with no build step.',
    )
    .argument('[directory]', `the project folder (asked for on a terminal; default ${DEFAULT_FOLDER})`)
    .option('--name <name>', "the package name (default: the folder's name)")
    .option('--no-example', 'the project layout alone, without the spaceflights pipelines')
    .option('--install', `install the dependencies afterwards (the default)`, true)
    .option('--no-install', 'do not install the dependencies')
    .addOption(
      new Option(
        '--package-manager <name>',
        `install with, and word the next steps for (default: the one that ran this, here ${detected})`,
      ).argParser(packageManager),
    )
    .version(starterVersion(), '-V, --version', 'show the version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      '\nExamples:\n  npm create @weft@latest my-project\n  pnpm create @weft my-project --no-install\n  npm create @weft@latest -- my-project --no-example\n',
    )
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        io.stdout.write(s);
      },
      writeErr: (s) => {
        io.stderr.write(s);
      },
      outputError: (s, write) => write(s.replace(/^error: /, 'create-weft: error: ')),
    })
    .action((directory: string | undefined, flags: Flags) => {
      result = { directory, flags };
    });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  if (result === undefined) return 0;
  const { flags } = result;
  try {
    let directory = result.directory;
    if (directory === undefined) {
      if (io.stdin.isTTY !== true) {
        throw new CreateUsageError(
          'name the project folder: npm create @weft@latest my-project (create-weft asks for it only on a terminal)',
        );
      }
      directory = await ask(io);
    }
    const pm = flags.packageManager ?? detected;
    const project = await createProject({
      directory: directory.startsWith('/') ? directory : `${io.cwd}/${directory}`,
      ...(flags.name === undefined ? {} : { name: flags.name }),
      example: flags.example,
      install: false,
      packageManager: pm,
      ...(io.templates === undefined ? {} : { templates: io.templates }),
    });
    const where = relative(io.cwd, project.dir) || '.';
    const commands = projectCommands(pm);
    io.stdout.write(
      `Created ${project.name} in ${where}: a Weft project (${project.example ? "Kedro's spaceflights: data processing and data science pipelines" : 'the layout, no pipeline yet'}), @weft/* ${project.weftRange}.\n`,
    );
    let installed = false;
    if (flags.install) {
      io.stdout.write(`\nInstalling the dependencies (${commands.install.join(' ')})…\n`);
      try {
        await installDependencies(project.dir, pm);
        installed = true;
      } catch (error) {
        io.stderr.write(`create-weft: error: ${(error as Error).message}\n`);
        return 1;
      }
    }
    const steps = [
      ...(where === '.' ? [] : [`cd ${shellWord(where)}`]),
      ...(installed ? [] : [commands.install.join(' ')]),
      `${commands.run.padEnd(16)} # run the pipelines${pm === 'npm' ? ' (or: npm run weft -- run)' : ''}`,
      `${commands.viz.padEnd(16)} # see them, and their runs, at http://127.0.0.1:4141/`,
      `${commands.test.padEnd(16)} # the nodes' tests`,
    ];
    io.stdout.write(
      `\nNext:\n${steps.map((s) => `  ${s}`).join('\n')}\n\nSee ${where === '.' ? '' : `${where}/`}README.md.\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof CreateError) {
      io.stderr.write(`create-weft: error: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

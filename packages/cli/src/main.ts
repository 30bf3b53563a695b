/**
 * The `weft` command line: `weft run`, `weft viz`, `weft --help`, `weft --version`. {@link main} never exits
 * the process; it returns the exit status: 0 ok, 1 the run failed, 2 a usage or configuration error.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { type CliIO, defineRunCommand, executeRun } from './run-command.js';
import { defineVizCommand, executeViz } from './viz-command.js';

function version(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The commander program, with `run` and `viz`; `onExit` receives the exit status of the command
 * that ran. Exported so tools built on the CLI can add their own commands:
 * `buildProgram(io, onExit).command('lint')…`.
 */
export function buildProgram(io: CliIO, onExit: (code: number) => void): Command {
  const program = new Command('weft')
    .description(
      'Runs a Kedro-style Weft project: conf/ YAML (catalog, parameters, credentials), a pipeline ' +
        'registry, versioned datasets, on a runner of your choice, with context that follows every node.',
    )
    .version(version(), '-V, --version', 'show the version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command]', 'show help for a command')
    .showHelpAfterError('(add --help for the options)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nRun `weft run --help` for the options of a run, `weft viz --help` for the viewer.\n',
    );
  program.exitOverride().configureOutput({
    writeOut: (s) => {
      io.stdout.write(s);
    },
    writeErr: (s) => {
      io.stderr.write(s);
    },
    outputError: (s, write) => write(s.replace(/^error: /, 'weft: error: ')),
  });
  const run = defineRunCommand(program, async (flags, args) => {
    onExit(await executeRun(flags, args, io));
  });
  run.exitOverride().configureOutput(program.configureOutput());
  run.showHelpAfterError('(add --help for the options)');
  const viz = defineVizCommand(program, async (flags) => {
    onExit(await executeViz(flags, io));
  });
  viz.exitOverride().configureOutput(program.configureOutput());
  viz.showHelpAfterError('(add --help for the options)');
  return program;
}

/**
 * Runs `weft` with `argv` (the arguments after the command name) and resolves to the exit status.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[], io: Partial<CliIO> = {}): Promise<number> {
  const fullIO: CliIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
  };
  let exitCode = 0;
  const program = buildProgram(fullIO, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    fullIO.stdout.write(program.helpInformation());
    return 0;
  }
  // `pnpm <script> -- --runner parallel` passes the `--` on to the script's command line; weft's
  // commands take no operands, so a `--` after the command only separates options: dropped
  const separator = argv.indexOf('--', 1);
  const args = separator === -1 ? [...argv] : [...argv.slice(0, separator), ...argv.slice(separator + 1)];
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; every usage mistake exits 2
      return error.exitCode === 0 ? 0 : 2;
    }
    if (CliError.is(error)) {
      fullIO.stderr.write(`weft: error: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
  return exitCode;
}

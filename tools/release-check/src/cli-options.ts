/**
 * The command line of `pnpm release:dry`, parsed without side effects so that every mistake turns
 * into a {@link UsageError} with a plain message (the CLI prints it with the usage and exits 2).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** What `release:dry --help` prints. */
export const RELEASE_DRY_USAGE = `Usage: pnpm release:dry [-- options]

Builds every public package from a clean dist, packs it with pnpm and checks the tarballs as a
consumer would get them (manifest, publint, install, import, smoke scripts, type check).
Publishes nothing. Exit status: 0 ready to publish, 1 problems found, 2 the checks could not run.

Options:
  --out <dir>      keep the tarballs in <dir> (relative to where pnpm was started)
  --no-clean       do not delete dist first (tsc -b rebuilds what is stale)
  --no-consumer    skip the install/import/type-check in an empty npm project
  -h, --help       show this help
`;

/** What the command line asks for. */
export type ReleaseDryCommand =
  | { kind: 'help' }
  | { kind: 'run'; outDir: string | undefined; clean: boolean; consumer: boolean };

/**
 * Parses the arguments after the script name. A leading `--` (what `pnpm release:dry -- --out x`
 * passes on) is dropped, as the demo does.
 *
 * @throws {UsageError} naming the option or argument at fault.
 * @example
 * parseReleaseDryArgs(['--', '--out', 'tarballs']); // { kind: 'run', outDir: 'tarballs', clean: true, consumer: true }
 */
export function parseReleaseDryArgs(argv: readonly string[]): ReleaseDryCommand {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (cause) {
    const unknown = /^Unknown option '([^']+)'/.exec((cause as Error).message);
    throw new UsageError(unknown ? `unknown option '${unknown[1]}'` : (cause as Error).message, { cause });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    const [first] = positionals;
    throw new UsageError(
      `unexpected argument '${first}': release:dry takes options only${first?.startsWith('-') ? '' : ` (did you mean --out ${first}?)`}`,
    );
  }
  if (values.help) return { kind: 'help' };
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out needs a folder name');
  return {
    kind: 'run',
    outDir: values.out,
    clean: !values['no-clean'],
    consumer: !values['no-consumer'],
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      out: { type: 'string' },
      'no-clean': { type: 'boolean', default: false },
      'no-consumer': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
}

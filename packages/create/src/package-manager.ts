/**
 * Which package manager made the project (`npm create`, `pnpm create`, `yarn create`,
 * `bun create`), from the `npm_config_user_agent` it sets (`pnpm/10.34.9 npm/? node/v20.20.2 …`),
 * and how to type the project's commands with it.
 *
 * @module
 */

/** The package managers `create-weft` knows. */
export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;

/** A package manager. */
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/**
 * The package manager named first in a user agent string; `npm` when there is none (`npx`, a
 * plain `node bin/create-weft.js`).
 *
 * @example
 * ```ts
 * detectPackageManager('pnpm/10.34.9 npm/? node/v20.20.2 linux x64'); // 'pnpm'
 * ```
 */
export function detectPackageManager(userAgent: string | undefined): PackageManager {
  const name = (userAgent ?? '').trim().split(/\s+/)[0]?.split('/')[0]?.toLowerCase();
  return (PACKAGE_MANAGERS as readonly string[]).includes(name ?? '') ? (name as PackageManager) : 'npm';
}

/** How to type the project's commands with a package manager. */
export interface ProjectCommands {
  /** Installs the dependencies: `[command, ...args]`. */
  readonly install: readonly [string, ...string[]];
  /** `weft run`, as typed. */
  readonly run: string;
  /** `weft viz`, as typed. */
  readonly viz: string;
  /** The project's tests, as typed. */
  readonly test: string;
}

/** The commands of a project for `pm`. */
export function projectCommands(pm: PackageManager): ProjectCommands {
  switch (pm) {
    case 'pnpm':
      return { install: ['pnpm', 'install'], run: 'pnpm weft run', viz: 'pnpm weft viz', test: 'pnpm test' };
    case 'yarn':
      return { install: ['yarn', 'install'], run: 'yarn weft run', viz: 'yarn weft viz', test: 'yarn test' };
    case 'bun':
      return {
        install: ['bun', 'install'],
        run: 'bun run weft run',
        viz: 'bun run weft viz',
        test: 'bun run test',
      };
    case 'npm':
      return { install: ['npm', 'install'], run: 'npx weft run', viz: 'npx weft viz', test: 'npm test' };
  }
}

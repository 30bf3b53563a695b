/**
 * `@weft/create`: `npm create @weft@latest my-project` makes a new Weft project, Kedro's
 * spaceflights starter in TypeScript, ready for `weft run` and `weft viz`. From code:
 * {@link createProject}.
 *
 * @packageDocumentation
 */
export { type CreateIO, DEFAULT_FOLDER, runCreate } from './cli.js';
export {
  type CreatedProject,
  type CreateProjectOptions,
  createProject,
  installDependencies,
  starterVersion,
} from './create-project.js';
export { CreateError, CreateUsageError } from './errors.js';
export {
  detectPackageManager,
  PACKAGE_MANAGERS,
  type PackageManager,
  type ProjectCommands,
  projectCommands,
} from './package-manager.js';
export { checkPackageName, toPackageName } from './project-name.js';
export { loadTemplates, TEMPLATES_FILE, type Templates } from './templates.js';

/**
 * `@weft/release-check`: packs every public package of the workspace with pnpm and proves each
 * tarball is releasable: real versions instead of `workspace:` ranges, no workspace-only export
 * condition, publint clean, and installable, importable and type-checkable by a consumer that has
 * nothing but the tarballs.
 *
 * @packageDocumentation
 */
export { type BuildOptions, buildPackages, staleOutputs } from './build.js';
export {
  parseReleaseDryArgs,
  RELEASE_DRY_USAGE,
  type ReleaseDryCommand,
} from './cli-options.js';
export {
  BLOCKED_REGISTRY,
  CONSUMER_COMPILER_OPTIONS,
  type ConsumerRuntime,
  checkInstalledPackages,
  copyConsumerFixtures,
  type ExpectedPackage,
  entryPoints,
  exportParitySource,
  importInstalled,
  installFromRegistry,
  installTarballs,
  type PackageSource,
  packageNameOf,
  type RegistryInstallOptions,
  type RuntimeExports,
  runSmokeScript,
  typecheckConsumer,
  unscopedName,
} from './consumer.js';
export {
  CommandFailedError,
  ConsumerCheckError,
  PackedPackageError,
  PublintError,
  RegistryError,
  ReleaseCheckError,
  type ReleaseCheckErrorCode,
  UsageError,
  WorkspaceError,
} from './errors.js';
export { type LintReport, lintTarball } from './lint.js';
export {
  binTargets,
  checkPackedPackage,
  expectedPublishedRange,
  exportTargets,
  type PackedContents,
  SOURCE_CONDITION,
  withoutCondition,
} from './manifest-checks.js';
export { type PackedTarball, packJson, packPackages, readTarball } from './pack.js';
export { checkPackageMetadata, type WorkspaceRoot } from './package-metadata.js';
export {
  type LocalRegistry,
  type LocalRegistryOptions,
  type Packument,
  startLocalRegistry,
  verdaccioConfig,
} from './registry.js';
export {
  type PackedSummary,
  type ReleaseCheckOptions,
  type ReleaseReport,
  runReleaseCheck,
} from './release-check.js';
export { type CommandOutput, isolatedEnv, type RunCommandOptions, runCommand } from './run-command.js';
export {
  ATTW_PROFILE,
  checkTypesResolution,
  type TypesProblem,
  type TypesReport,
} from './types-resolution.js';
export {
  cloneWorkingTree,
  WORKING_COPY_IDENTITY,
  type WorkingCopy,
  workingCopyEnv,
} from './working-copy.js';
export {
  findWorkspaceRoot,
  listPublicPackages,
  type PackageManifest,
  type PublicPackage,
  pnpmCommand,
  readManifest,
  readWorkspaceRoot,
  rootDevDependencyVersion,
  tscPath,
} from './workspace.js';

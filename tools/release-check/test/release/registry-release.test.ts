/**
 * The release, end to end, through a real registry: a throwaway Verdaccio on loopback, the
 * maintainer's release path (`changeset version`, `release:dry`, `changeset publish`) in a private
 * copy of the repository, then a fresh consumer project on every supported Node line that installs
 * the packages from that registry by version and uses them, and finally a patch release that every
 * consumer upgrades to. Run with `pnpm test:release` (minutes long; `.ci/run` runs it).
 *
 * `WEFT_RELEASE_LINES=22,26 pnpm test:release` limits the Node lines (default: 20, 22, 24, 26);
 * `WEFT_RELEASE_KEEP=1` keeps the temporary folder (copy, registry storage, consumers) to inspect.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTW_PROFILE,
  type CommandOutput,
  type ConsumerRuntime,
  checkPackedPackage,
  checkTypesResolution,
  cloneWorkingTree,
  importInstalled,
  installFromRegistry,
  isolatedEnv,
  type LocalRegistry,
  lintTarball,
  listPublicPackages,
  type PackageManifest,
  type PublicPackage,
  pnpmCommand,
  type RuntimeExports,
  readTarball,
  readWorkspaceRoot,
  runCommand,
  runSmokeScript,
  startLocalRegistry,
  typecheckConsumer,
  unscopedName,
  workingCopyEnv,
} from '../../src/index.js';

const root = path.resolve(import.meta.dirname, '../../../..');
const fixturesDir = path.resolve(import.meta.dirname, '../../consumer');
const upgradeFixturesDir = path.resolve(import.meta.dirname, '../../consumer-upgrade');

/** The `@types/node` a consumer on each line would use: the newest of that major (pinned). */
const TYPES_NODE: Record<string, string> = {
  '20': '20.19.43',
  '22': '22.20.7',
  '24': '24.19.4',
  '26': '26.6.11',
};
const LINES = (process.env.WEFT_RELEASE_LINES ?? Object.keys(TYPES_NODE).join(','))
  .split(',')
  .map((line) => line.trim())
  .filter((line) => line !== '');

interface NodeLineModule {
  ensureNodeLine(line: string): Promise<{ version: string; binDir: string; node: string }>;
  nodeLineEnv(binDir: string, env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}
const nodeLines = (await import(
  pathToFileURL(path.join(root, 'scripts/node-line.mjs')).href
)) as NodeLineModule;

/** What the release steps leave for the steps after them. */
const state: {
  work?: string;
  registry?: LocalRegistry;
  copy?: string;
  packages?: PublicPackage[];
  first?: string;
  patch?: string;
  manifests?: PackageManifest[];
} = {};
/** Wall time of each step (release steps, then each consumer step per Node line), for the summary. */
const timings: Array<{ where: string; step: string; seconds: number }> = [];

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing: an earlier step of the release failed`);
  return value;
}

/** `pnpm <args>` in the working copy, as a maintainer would type it, with the registry's scope routing. */
function pnpmInCopy(args: string[], timeoutMs = 300_000): Promise<CommandOutput> {
  const copy = need(state.copy, 'the working copy');
  const registry = need(state.registry, 'the registry');
  const [file, ...pre] = pnpmCommand(copy);
  return runCommand(file, [...pre, ...args], {
    cwd: copy,
    env: workingCopyEnv({ 'npm_config_@weft:registry': registry.url }),
    timeoutMs,
  });
}

function gitInCopy(args: string[]): Promise<CommandOutput> {
  return runCommand('git', args, { cwd: need(state.copy, 'the working copy'), env: workingCopyEnv() });
}

function writeChangeset(file: string, bump: 'patch' | 'minor', summary: string): void {
  const copy = need(state.copy, 'the working copy');
  const packages = need(state.packages, 'the public packages');
  const frontMatter = packages.map((pkg) => `"${pkg.name}": ${bump}`).join('\n');
  writeFileSync(path.join(copy, '.changeset', file), `---\n${frontMatter}\n---\n\n${summary}\n`);
}

/** `changeset version`, then the lockfile must still hold, then the release commit. Returns the new version. */
async function versionPackages(): Promise<string> {
  const copy = need(state.copy, 'the working copy');
  await timed(undefined, 'changeset version', () => pnpmInCopy(['changeset', 'version']));
  const packages = await listPublicPackages(copy);
  const versions = new Set(packages.map((pkg) => pkg.version));
  expect([...versions], 'the fixed group moves together').toHaveLength(1);
  const [version] = versions as Set<string>;
  for (const pkg of packages) {
    for (const [dep, spec] of Object.entries(pkg.manifest.dependencies ?? {})) {
      if (dep.startsWith('@weft/')) expect(spec, `${pkg.name} → ${dep}`).toBe('workspace:^');
    }
    expect(readFileSync(path.join(pkg.dir, 'CHANGELOG.md'), 'utf8')).toContain(`## ${version}`);
  }
  await timed(undefined, 'pnpm install --frozen-lockfile', () =>
    pnpmInCopy(['install', '--frozen-lockfile', '--prefer-offline']),
  );
  await gitInCopy(['commit', '--quiet', '--all', '-m', `Release v${version}`]);
  state.packages = packages;
  return version as string;
}

/** The maintainer's publish: `release:dry` (clean build, pack, checks), then `changeset publish`. */
async function publish(version: string): Promise<void> {
  const registry = need(state.registry, 'the registry');
  const packages = need(state.packages, 'the public packages');
  const dry = await timed(undefined, `release:dry --no-consumer (${version})`, () =>
    pnpmInCopy(['release:dry', '--no-consumer'], 600_000),
  );
  expect(dry.stdout).toContain(`release check passed: ${packages.length} packages are ready to publish`);
  const published = await timed(undefined, `changeset publish (${version})`, () =>
    pnpmInCopy(['changeset', 'publish']),
  );
  const output = `${published.stdout}\n${published.stderr}`;
  const tags = (await gitInCopy(['tag', '--list'])).stdout.split('\n');
  for (const pkg of packages) {
    expect(output).toMatch(new RegExp(`New tag:\\s+${`${pkg.name}@${version}`.replaceAll('.', '\\.')}\\n`));
    expect(tags).toContain(`${pkg.name}@${version}`);
    const packument = await registry.packument(pkg.name);
    expect(packument?.versions[version], `${pkg.name}@${version} on the registry`).toBeDefined();
    expect(packument?.['dist-tags'].latest).toBe(version);
  }
}

/** The Node of a line, with its bin folder first on PATH for npm, bins and child processes. */
async function runtimeOf(line: string): Promise<ConsumerRuntime & { version: string }> {
  const { binDir, node, version } = await nodeLines.ensureNodeLine(line);
  return { node, version, env: nodeLines.nodeLineEnv(binDir, isolatedEnv()) };
}

/** Runs a step and records its wall time; `line` is a Node line, or undefined for a release step. */
async function timed<T>(line: string | undefined, step: string, body: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await body();
  } finally {
    const where = line === undefined ? 'release' : `Node ${(await nodeLines.ensureNodeLine(line)).version}`;
    timings.push({ where, step, seconds: (performance.now() - started) / 1000 });
  }
}

beforeAll(async () => {
  // Fetch every Node line first (once; cached in .cache/node), so that download time is not
  // counted as a consumer step.
  for (const line of LINES) await nodeLines.ensureNodeLine(line);
  state.work = mkdtempSync(path.join(tmpdir(), 'weft-release-test-'));
  state.registry = await startLocalRegistry({ dir: path.join(state.work, 'registry'), scope: '@weft' });
});

afterAll(async () => {
  await state.registry?.close();
  if (state.work && process.env.WEFT_RELEASE_KEEP) console.log(`release test: kept ${state.work}`);
  else if (state.work) rmSync(state.work, { recursive: true, force: true });
  if (timings.length > 0) {
    const rows = timings.map((t) => `  ${t.where.padEnd(13)} ${t.step.padEnd(44)} ${t.seconds.toFixed(1)} s`);
    console.log(`release test, wall time per step:\n${rows.join('\n')}`);
  }
});

describe.sequential('a release through a real registry (Verdaccio, loopback, no uplinks)', () => {
  it('serves the @weft scope only, proxies nothing, and lets exactly one test user publish', async () => {
    const registry = need(state.registry, 'the registry');
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const token = await registry.addUser('weft-release-test', 'release-test-password');
    await expect(registry.addUser('someone-else', 'another-password')).rejects.toThrow(
      /maximum amount of users reached/,
    );
    expect(await registry.status('lodash'), 'a third-party package').not.toBe(200);
    expect(await registry.packument('@weft/runner')).toBeUndefined();

    const work = need(state.work, 'the work folder');
    const copy = await cloneWorkingTree(root, path.join(work, 'repo'));
    state.copy = copy.dir;
    writeFileSync(
      path.join(copy.dir, '.npmrc'),
      `@weft:registry=${registry.url}\n${registry.authKey}=${token}\n`,
    );
    // The copy's .npmrc must not be committed by a release step.
    writeFileSync(path.join(copy.dir, '.git', 'info', 'exclude'), '.npmrc\n', { flag: 'a' });
    const install = await timed(undefined, 'clone, first pnpm install', () =>
      pnpmInCopy(['install', '--frozen-lockfile', '--prefer-offline']),
    );
    const installOutput = `${install.stdout}\n${install.stderr}`;
    expect(installOutput, 'a fresh install is quiet').not.toMatch(/WARN|Ignored build scripts/);
    state.packages = await listPublicPackages(copy.dir);
  });

  it('changeset version bumps the fixed group together and keeps the lockfile; the release publishes every package', async () => {
    const before = need(state.packages, 'the public packages')[0]?.version;
    writeChangeset('release-test-minor.md', 'minor', 'Release test: a minor release of every package.');
    const version = await versionPackages();
    expect(version).not.toBe(before);
    expect(version).toMatch(/^\d+\.\d+\.0$/);
    await publish(version);
    state.first = version;
  });

  it(`the tarballs the registry serves meet every release rule, publint, and attw (${ATTW_PROFILE} profile)`, async () => {
    const registry = need(state.registry, 'the registry');
    const version = need(state.first, 'the first release');
    const copy = need(state.copy, 'the working copy');
    const packages = need(state.packages, 'the public packages');
    const downloads = path.join(need(state.work, 'the work folder'), 'downloads');
    mkdirSync(downloads);
    const manifests: PackageManifest[] = [];
    for (const pkg of packages) {
      const packument = need(await registry.packument(pkg.name), `${pkg.name} on the registry`);
      const tarballUrl = need(packument.versions[version]?.dist.tarball, `${pkg.name}@${version}'s tarball`);
      expect(tarballUrl.startsWith(registry.url)).toBe(true);
      const response = await fetch(tarballUrl);
      expect(response.status).toBe(200);
      const file = path.join(downloads, `${unscopedName(pkg.name)}-${version}.tgz`);
      writeFileSync(file, new Uint8Array(await response.arrayBuffer()));
      const tarball = await readTarball(file);
      expect(checkPackedPackage(tarball, pkg, packages, readWorkspaceRoot(copy))).toEqual([]);
      expect((await lintTarball(tarball.bytes)).failures).toEqual([]);
      const types = await checkTypesResolution(file);
      expect(types.problems).toEqual([]);
      expect(types.packageVersion).toBe(version);
      manifests.push(tarball.manifest);
    }
    state.manifests = manifests;
  });

  describe.each(LINES)('a fresh consumer on Node %s', (line) => {
    it('installs @weft/* by version from the registry, imports them, runs every smoke script and type-checks', async () => {
      const version = need(state.first, 'the first release');
      const manifests = need(state.manifests, 'the published manifests');
      const runtime = await runtimeOf(line);
      const dir = path.join(need(state.work, 'the work folder'), `consumer-node-${line}`);
      mkdirSync(dir);
      const packages = Object.fromEntries(manifests.map((m) => [m.name, version]));
      await timed(line, `install ${version} from the registry`, () =>
        installFromRegistry(dir, {
          registry: need(state.registry, 'the registry').url,
          packages,
          extras: [`@types/node@${TYPES_NODE[line] ?? need(undefined, `@types/node for Node ${line}`)}`],
          runtime,
        }),
      );
      const { stdout: seenVersion } = await runCommand('node', ['-p', 'process.versions.node'], {
        cwd: dir,
        env: runtime.env,
      });
      expect(seenVersion.trim(), 'the node on PATH is the line under test').toBe(runtime.version);

      let runtimeExports: RuntimeExports = {};
      await timed(line, 'import every entry point, smoke scripts', async () => {
        runtimeExports = await importInstalled(dir, manifests, runtime);
        for (const manifest of manifests) {
          const printed = await runSmokeScript(dir, fixturesDir, manifest.name, runtime);
          expect(printed).toContain(`${manifest.name}: ok`);
        }
      });
      await timed(line, `tsc with @types/node ${TYPES_NODE[line]}`, () =>
        typecheckConsumer(root, dir, fixturesDir, runtimeExports, runtime),
      );
    });
  });

  it('a patch release (another changeset, a code change in every package) publishes the next patch version', async () => {
    const first = need(state.first, 'the first release');
    const copy = need(state.copy, 'the working copy');
    for (const pkg of need(state.packages, 'the public packages')) {
      const index = path.join(pkg.dir, 'src', 'index.ts');
      writeFileSync(
        index,
        `${readFileSync(index, 'utf8')}\n/** Added by the release test's patch release (in its private copy only). */\nexport const RELEASE_TEST_PATCH = 'patched';\n`,
      );
    }
    writeChangeset('release-test-patch.md', 'patch', 'Release test: a patch release of every package.');
    await gitInCopy(['add', '--all']);
    await gitInCopy(['commit', '--quiet', '-m', 'Release test: a fix in every package']);
    const version = await versionPackages();
    const [major, minor, patch] = first.split('.').map(Number);
    expect(version).toBe(`${major}.${minor}.${(patch ?? 0) + 1}`);
    await publish(version);
    const packument = await need(state.registry, 'the registry').packument('@weft/runner');
    expect(Object.keys(packument?.versions ?? {})).toEqual(expect.arrayContaining([first, version]));
    expect(readdirSync(path.join(copy, '.changeset')).filter((f) => f.startsWith('release-test'))).toEqual(
      [],
    );
    state.patch = version;
  });

  describe.each(LINES)('the consumer on Node %s', (line) => {
    it('upgrades to the patch release by version, and the new code is what runs on every runner', async () => {
      const version = need(state.patch, 'the patch release');
      const manifests = need(state.manifests, 'the published manifests');
      const runtime = await runtimeOf(line);
      const dir = path.join(need(state.work, 'the work folder'), `consumer-node-${line}`);
      const names = manifests.map((m) => m.name);
      await timed(line, `upgrade to ${version}`, () =>
        installFromRegistry(dir, {
          registry: need(state.registry, 'the registry').url,
          packages: Object.fromEntries(names.map((name) => [name, version])),
          runtime,
        }),
      );
      const consumer = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      for (const name of names) expect(consumer.dependencies[name]).toBe(`^${version}`);
      for (const file of readdirSync(upgradeFixturesDir)) {
        copyFileSync(path.join(upgradeFixturesDir, file), path.join(dir, file));
      }
      const { stdout } = await timed(line, 'upgrade probe on every runner', () =>
        runCommand(runtime.node, ['upgrade-probe.mjs', version, ...names], {
          cwd: dir,
          env: runtime.env,
          timeoutMs: 120_000,
        }),
      );
      expect(stdout).toContain(`upgrade probe: ok`);
      expect(stdout).toContain(`ran @weft/runner ${version}`);
    });
  });
});

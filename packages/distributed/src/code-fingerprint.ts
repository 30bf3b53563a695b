/**
 * Does a worker run the code the coordinator runs? Each job carries a short fingerprint of the
 * coordinator's code: the versions of the `@weft/*` packages it runs and, for each module the job's
 * nodes come from, a hash of the module file and of every file it imports by a relative path,
 * transitively. The worker computes the same from its files; when they differ it reads the
 * coordinator's details (published in Redis for as long as the jobs stay) and fails the job,
 * unretried, naming what differs.
 *
 * What it does not see: other packages the code imports by name (their versions). Pass
 * `codeVersion` (a release or commit id) on both sides to cover them.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What a fingerprint is made of. */
export interface CodeDetails {
  /** `@weft/*` package name → version, for the packages this process runs. */
  readonly weft: Readonly<Record<string, string>>;
  /** Module URL → hash of its file and exported functions. */
  readonly modules: Readonly<Record<string, string>>;
  /** The `codeVersion` option, when given. */
  readonly codeVersion?: string;
}

const WEFT_PACKAGES = [
  '@weft/distributed',
  '@weft/runner',
  '@weft/executor',
  '@weft/contextvars',
  '@weft/prefect-bridge',
] as const;

function hash(text: string | Buffer, length = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

let versions: Record<string, string> | undefined;

/** Versions of the `@weft/*` packages this process resolves (each read once). */
export function weftVersions(): Readonly<Record<string, string>> {
  if (versions !== undefined) return versions;
  const found: Record<string, string> = {};
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  found['@weft/distributed'] = String(own.version);
  const require = createRequire(import.meta.url);
  for (const name of WEFT_PACKAGES) {
    if (name === '@weft/distributed') continue;
    try {
      const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
        version?: unknown;
      };
      found[name] = String(manifest.version);
    } catch {
      // not installed here (the Prefect bridge is optional)
    }
  }
  versions = found;
  return found;
}

const moduleHashes = new Map<string, string>();

/** Relative specifiers of static imports, re-exports and literal dynamic imports. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]+)\1/g;

/** The file a relative specifier names, trying the extensions TypeScript loaders map. */
function resolveLocal(specifier: string, parent: string): string | undefined {
  const base = fileURLToPath(new URL(specifier, parent));
  const candidates = [base];
  const ext = extname(base);
  const stem = base.slice(0, base.length - ext.length);
  if (ext === '.js') candidates.push(`${stem}.ts`, `${stem}.tsx`);
  else if (ext === '.mjs') candidates.push(`${stem}.mts`);
  else if (ext === '.cjs') candidates.push(`${stem}.cts`);
  else if (ext === '')
    candidates.push(`${base}.js`, `${base}.ts`, join(base, 'index.js'), join(base, 'index.ts'));
  for (const c of candidates) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      // try the next spelling
    }
  }
  return undefined;
}

const MAX_FILES = 2000;

/**
 * Hash of a module's code: its file and every file it imports by a relative path, transitively
 * (read as bytes, so the hash does not depend on how a loader transforms them). Packages imported
 * by name are not included (the `@weft/*` versions are, separately; `codeVersion` covers the
 * rest). Computed once per module per process.
 */
export function moduleFingerprint(moduleUrl: string): string {
  const known = moduleHashes.get(moduleUrl);
  if (known !== undefined) return known;
  const h = createHash('sha256');
  if (!moduleUrl.startsWith('file:')) {
    h.update(moduleUrl);
  } else {
    const root = dirname(fileURLToPath(moduleUrl));
    const seen = new Set<string>();
    const queue = [fileURLToPath(moduleUrl)];
    const files: [string, Buffer][] = [];
    while (queue.length > 0 && seen.size < MAX_FILES) {
      const file = queue.shift() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        files.push([file, Buffer.from('\0unreadable')]);
        continue;
      }
      files.push([file, bytes]);
      const parent = pathToFileURL(file).href;
      for (const m of bytes.toString('utf8').matchAll(SPECIFIER)) {
        const target = resolveLocal(m[2] as string, parent);
        if (target !== undefined && !seen.has(target) && !target.includes(`${sep}node_modules${sep}`)) {
          queue.push(target);
        }
      }
    }
    files.sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [file, bytes] of files) h.update(`\0${relative(root, file)}\0`).update(bytes);
  }
  const digest = h.digest('hex').slice(0, 16);
  moduleHashes.set(moduleUrl, digest);
  return digest;
}

/** The fingerprint of `details` restricted to `modules` (the modules one job's nodes come from). */
export function fingerprintOf(details: CodeDetails, modules: readonly string[]): string {
  const parts = Object.entries(details.weft)
    .filter(([name]) => name !== '@weft/prefect-bridge')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, version]) => `${name}@${version}`);
  if (details.codeVersion !== undefined) parts.push(`code@${details.codeVersion}`);
  for (const url of [...new Set(modules)].sort()) parts.push(`${url}#${details.modules[url] ?? 'missing'}`);
  return hash(parts.join('\n'));
}

/**
 * What differs between the coordinator's code and this worker's, in words (for the modules of one
 * job), e.g. `@weft/runner 0.4.0 on the coordinator, 0.3.2 here; module file:///app/pipeline.js
 * differs (coordinator a1b2…, here c3d4…)`.
 */
export function describeDifference(
  coordinator: CodeDetails | undefined,
  here: CodeDetails,
  modules: readonly string[],
): string {
  if (coordinator === undefined) {
    return "the coordinator's details are no longer in Redis, so what differs cannot be named";
  }
  const parts: string[] = [];
  const names = new Set([...Object.keys(coordinator.weft), ...Object.keys(here.weft)]);
  for (const name of [...names].sort()) {
    if (name === '@weft/prefect-bridge') continue;
    const theirs = coordinator.weft[name];
    const mine = here.weft[name];
    if (theirs !== mine) {
      parts.push(`${name} ${theirs ?? 'absent'} on the coordinator, ${mine ?? 'absent'} here`);
    }
  }
  if (coordinator.codeVersion !== here.codeVersion) {
    parts.push(
      `codeVersion ${JSON.stringify(coordinator.codeVersion ?? null)} on the coordinator, ${JSON.stringify(here.codeVersion ?? null)} here`,
    );
  }
  for (const url of [...new Set(modules)].sort()) {
    const theirs = coordinator.modules[url];
    const mine = here.modules[url];
    if (theirs !== mine) {
      parts.push(
        `module ${url} differs (it or a file it imports: code ${theirs ?? 'not used'} on the coordinator, ${mine ?? 'not served'} here)`,
      );
    }
  }
  return parts.length === 0 ? 'the fingerprints differ for a reason that cannot be named' : parts.join('; ');
}

/** Checks a `codeVersion` option. */
export function checkCodeVersion(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '' && value.length <= 200) return value;
  throw new TypeError(
    `'codeVersion' must be a non-empty string of at most 200 characters, got ${JSON.stringify(value)}`,
  );
}

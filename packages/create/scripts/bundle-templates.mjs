#!/usr/bin/env node
/**
 * Makes `templates.json`, what `@weft/create` writes into a new project: `example`, the
 * spaceflights project, and `skeleton`, the same layout without the example (`--no-example`).
 *
 * The spaceflights project has one copy: `apps/demo`, the repository's demo, run and tested there as
 * it is. This script reads it when the package is packed (`prepack`), by the rules below: the files
 * git keeps (the project's own `.gitignore` leaves out what runs write), never `node_modules`, run
 * history or data outputs. The skeleton is the project minus the example's pipelines, tests and
 * data, plus the few files of `skeleton/`. One JSON file keeps the package simple to publish: npm
 * would drop a `.gitignore` from a tarball, and test files and a nested `package.json` would pass
 * for the package's own.
 *
 * Usage: node scripts/bundle-templates.mjs [out-file]   (default: templates.json beside scripts/)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Default places: the demo (the example project) and the skeleton's own files. */
export const DEFAULT_DEMO_DIR = resolve(here, '../../../apps/demo');
export const DEFAULT_SKELETON_DIR = resolve(here, '../skeleton');

const SKIPPED_DIRS = new Set(['node_modules', '.weft', '.turbo', '.git', 'test-results', 'coverage', 'dist']);

/** Whether a file of the demo (path relative to it, `/`-separated) belongs to the template. */
export function isTemplateFile(path) {
  const name = path.split('/').pop() ?? path;
  if (name.startsWith('.') && name !== '.gitignore' && name !== '.gitkeep') return false;
  if (path.startsWith('data/')) return path.startsWith('data/01_raw/') || name === '.gitkeep';
  if (path.startsWith('conf/local/')) return name === '.gitkeep' || name === 'credentials.yml';
  return true;
}

/** Paths the skeleton leaves out of the example (prefixes end with `/`). */
export const SKELETON_DROPS = [
  'src/pipelines/',
  'src/settings.ts',
  'src/context.ts',
  'src/columns.ts',
  'src/errors.ts',
  'src/prng.ts',
  'scripts/',
  'test/',
  'data/01_raw/',
  'conf/base/parameters_data_science.yml',
];

function walk(dir, base, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(path, base, out);
    } else if (entry.isFile()) {
      out.push(relative(base, path).split(sep).join('/'));
    }
  }
  return out;
}

function readText(file) {
  const bytes = readFileSync(file);
  if (bytes.includes(0)) throw new Error(`${file} is not a text file; the template holds text files only`);
  return bytes.toString('utf8');
}

/** The files of a folder that pass `keep`, as `{ path: text }`. */
export function collectFiles(dir, keep = () => true) {
  const files = {};
  for (const path of walk(dir, dir, [])) if (keep(path)) files[path] = readText(join(dir, path));
  return files;
}

/**
 * Both templates, from the demo and the skeleton folder.
 *
 * @returns {{ version: 1, example: Record<string, string>, skeleton: Record<string, string> }}
 */
export function bundleTemplates({ demoDir = DEFAULT_DEMO_DIR, skeletonDir = DEFAULT_SKELETON_DIR } = {}) {
  const example = collectFiles(demoDir, isTemplateFile);
  for (const required of ['package.json', 'README.md', 'src/pipeline-registry.ts', 'conf/base/catalog.yml']) {
    if (example[required] === undefined)
      throw new Error(`${demoDir} has no ${required}: is it the spaceflights project?`);
  }
  const skeleton = {};
  for (const [path, text] of Object.entries(example)) {
    if (!SKELETON_DROPS.some((drop) => (drop.endsWith('/') ? path.startsWith(drop) : path === drop))) {
      skeleton[path] = text;
    }
  }
  Object.assign(skeleton, collectFiles(skeletonDir));
  const manifest = JSON.parse(example['package.json']);
  delete manifest.scripts['generate-data'];
  manifest.scripts.test = 'vitest run --passWithNoTests';
  manifest.description = 'A Weft project, made by npm create @weft';
  skeleton['package.json'] = `${JSON.stringify(manifest, null, 2)}\n`;
  return { version: 1, example, skeleton };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(here, '..', 'templates.json'));
  const templates = bundleTemplates();
  writeFileSync(out, `${JSON.stringify(templates)}\n`);
  const count = (t) => Object.keys(t).length;
  // stderr: pnpm pack --json reads stdout
  process.stderr.write(
    `templates: ${count(templates.example)} files (example), ${count(templates.skeleton)} (skeleton) → ${out}\n`,
  );
}

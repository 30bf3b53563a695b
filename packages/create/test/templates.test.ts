/**
 * The templates are the demo: every file git keeps in apps/demo (the project's own .gitignore
 * leaves out what runs write) and nothing else; the skeleton is that layout without the example.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  bundleTemplates,
  DEFAULT_DEMO_DIR,
  isTemplateFile,
  SKELETON_DROPS,
} from '../scripts/bundle-templates.mjs';

const templates = bundleTemplates();

describe('the example template', () => {
  it('is exactly the files git keeps in apps/demo, byte for byte', () => {
    const tracked = execFileSync('git', ['ls-files', '-z', '.'], { cwd: DEFAULT_DEMO_DIR, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '')
      .sort();
    expect(Object.keys(templates.example).sort()).toEqual(tracked);
    expect(templates.example['data/01_raw/shuttles.csv']?.split('\n')[0]).toMatch(/^id,shuttle_location,/);
  });

  it('leaves out what runs write, the history, local settings and other dotfiles', () => {
    for (const path of [
      'data/02_intermediate/preprocessed_companies.json',
      'data/06_models/linear_regression.json/2026-12-03T11.45.42.973Z/linear_regression.json',
      'conf/local/parameters.yml',
      '.env',
      'src/.DS_Store',
    ]) {
      expect(isTemplateFile(path), path).toBe(false);
    }
    for (const path of [
      'data/01_raw/companies.csv',
      'data/08_reporting/.gitkeep',
      'conf/local/credentials.yml',
      '.gitignore',
    ]) {
      expect(isTemplateFile(path), path).toBe(true);
    }
  });
});

describe('the skeleton template', () => {
  it('keeps the layout and configuration, drops the example, and finds pipelines by folder', () => {
    const paths = Object.keys(templates.skeleton);
    for (const drop of SKELETON_DROPS.filter((d) => d !== 'data/01_raw/')) {
      expect(
        paths.some((p) => (drop.endsWith('/') ? p.startsWith(drop) : p === drop)),
        drop,
      ).toBe(false);
    }
    expect(paths).toEqual(
      expect.arrayContaining([
        '.gitignore',
        'conf/local/.gitkeep',
        'data/01_raw/.gitkeep',
        'data/08_reporting/.gitkeep',
      ]),
    );
    expect(paths.filter((p) => p.endsWith('.csv'))).toEqual([]);
    expect(templates.skeleton['src/pipeline-registry.ts']).toContain('findPipelines(import.meta.url)');
    const manifest = JSON.parse(templates.skeleton['package.json'] as string);
    expect(manifest.scripts).toEqual({
      weft: 'weft',
      test: 'vitest run --passWithNoTests',
      typecheck: 'tsc --noEmit',
    });
  });
});

/**
 * Configuration errors: each names its file and line (as a compiler does) and exits 2, before any
 * node runs. The four the issue lists go through the real bin; the rest through `main()`.
 */
import { cp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyProject, type TempProject, weft, weftInProcess } from './support/projects.js';

let project: TempProject;

async function nothingWritten(): Promise<void> {
  expect(await readdir(join(project.dir, 'data'))).toEqual(['01_raw']);
}

describe('configuration errors through the weft bin', () => {
  beforeEach(async () => {
    project = await copyProject();
  });
  afterEach(async () => {
    await project.remove();
  });

  it('an unknown key in a catalog entry', async () => {
    await project.write(
      'conf/local/catalog.yml',
      'companies:\n  type: CSVDataset\n  filepath: data/01_raw/companies.csv\n  sep: ";"\n',
    );
    const result = await weft(project.dir, ['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "weft: error: conf/local/catalog.yml:4:3: dataset 'companies': CSVDataset has no option 'sep' (its options: credentials, versioned, metadata, filepath, load_args, save_args).\n",
    );
    await nothingWritten();
  });

  it('a bad YAML line', async () => {
    await project.write(
      'conf/base/parameters.yml',
      'preprocessing:\n  min_capacity: 2\n model_options: [1, 2\n',
    );
    const result = await weft(project.dir, ['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^weft: error: conf\/base\/parameters\.yml:3:\d+: invalid YAML: /);
    await nothingWritten();
  });

  it('a missing credential', async () => {
    await project.write(
      'conf/local/catalog.yml',
      'api_status:\n  type: ApiStatusDataset\n  url: https://example.invalid\n  credentials: prod_api\n',
    );
    const result = await weft(project.dir, ['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "weft: error: conf/local/catalog.yml:4:3: dataset 'api_status': Unable to find credentials 'prod_api': check your data catalog and credentials configuration. Credentials defined: api.\n",
    );
    await nothingWritten();
  });

  it('an unknown dataset type', async () => {
    await project.write(
      'conf/local/catalog.yml',
      'regressor:\n  type: pickle.PickleDataset\n  filepath: data/06_models/r.pkl\n',
    );
    const result = await weft(project.dir, ['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "weft: error: conf/local/catalog.yml:2:3: dataset 'regressor': Class 'pickle.PickleDataset' not found; use a dataset class or one of MemoryDataset, JSONDataset, CSVDataset, TextDataset, BytesDataset, ApiStatusDataset.\n",
    );
    await nothingWritten();
  });
});

describe('more configuration errors (main() in process)', () => {
  // One copy for all: the project's modules load once in this process (its ContextVar is
  // propagatable, so a second copy of the module would be refused); each test restores conf/.
  beforeAll(async () => {
    project = await copyProject();
  });
  afterEach(async () => {
    await rm(join(project.dir, 'conf'), { recursive: true, force: true });
    await cp(
      fileURLToPath(new URL('./fixtures/spaceflights/conf/', import.meta.url)),
      join(project.dir, 'conf'),
      {
        recursive: true,
      },
    );
  });
  afterAll(async () => {
    await project.remove();
  });

  it.each([
    [
      'conf/local/catalog.yml',
      'shuttles:\n  type: CSVDataset\n  filepath: x.csv\n  load_args:\n    delimiter: ";"\n    skip_blank: true\n',
      "conf/local/catalog.yml:6:5: dataset 'shuttles': CSVDataset does not know loadArgs 'skip_blank'",
    ],
    [
      'conf/local/catalog.yml',
      'regressor:\n  type: JSONDataset\n  filepath: r.json\n  versioned: yes\n',
      "conf/local/catalog.yml:4:3: dataset 'regressor': 'versioned' must be true or false, got \"yes\".",
    ],
    [
      'conf/local/catalog.yml',
      '"{name}_metrics":\n  type: JSONDataset\n  filepath: data/{folder}/{name}.json\n',
      "conf/local/catalog.yml:1:1: dataset '{name}_metrics': Incorrect dataset configuration provided. Keys used in the configuration {'{folder}'} should present in the dataset pattern name {name}_metrics.",
    ],
    [
      'conf/local/catalog.yml',
      'companies:\n  type: CSVDataset\n  filepath: ${globals:raw_folder}/companies.csv\n',
      "conf/local/catalog.yml:3:3: globals key 'raw_folder' not found (in '${globals:raw_folder}'); give a default: ${globals:raw_folder, value}",
    ],
    [
      'conf/local/catalog.yml',
      'companies:\n  type: CSVDataset\n  filepath: ${oc.env:HOME}/companies.csv\n',
      "conf/local/catalog.yml:3:3: '${oc.env:...}' is only allowed in credentials (Kedro's rule)",
    ],
    [
      'conf/local/catalog.yml',
      'companies:\n  type: CSVDataset\n  filepath: ${_folder}/companies.csv\n',
      "conf/local/catalog.yml:3:3: interpolation key '_folder' not found (in '${_folder}')",
    ],
    [
      'conf/base/catalog_more.yml',
      'companies:\n  type: CSVDataset\n  filepath: elsewhere.csv\n',
      "conf/base/catalog_more.yml:1:1: 'companies' is defined twice in the base environment: also in conf/base/catalog.yml:",
    ],
    [
      'conf/local/parameters.yml',
      'model_options:\n  alpha: ${runtime_params:alpha}\n',
      "conf/local/parameters.yml:2:3: runtime parameter 'alpha' was not given (--params alpha=...)",
    ],
    [
      'conf/local/credentials.yml',
      'api:\n  token: ${oc.env:WEFT_TEST_NO_SUCH_VARIABLE}\n',
      "conf/local/credentials.yml:2:3: environment variable 'WEFT_TEST_NO_SUCH_VARIABLE' is not set",
    ],
    [
      'conf/local/catalog.yml',
      'companies:\n  type: CSVDataset\n  filepath: ${unknown_resolver:x}\n',
      "conf/local/catalog.yml:3:3: unknown resolver 'unknown_resolver' in '${unknown_resolver:x}' (known: globals, runtime_params, oc.select, oc.env)",
    ],
    [
      'conf/local/catalog.yml',
      '- companies\n',
      'conf/local/catalog.yml:1:1: the top level must be a mapping of names to values',
    ],
  ])('%s: %j', async (file, text, message) => {
    await project.write(file, text);
    const result = await weftInProcess(project.dir, ['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`weft: error: ${message}`);
    await nothingWritten();
  });

  it('a parameter the pipeline reads and no file provides', async () => {
    await project.write(
      'conf/base/parameters.yml',
      'preprocessing:\n  min_capacty: 2\nmodel_options:\n  test_size: 0.25\n  alpha: 1\n',
    );
    const result = await weftInProcess(project.dir, ['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "weft: error: the pipeline reads 'params:preprocessing.min_capacity' (params:preprocessing has no key 'min_capacity' (its keys: min_capacty)), which nothing provides: no node writes it and the catalog (conf/*/catalog.yml) has no such entry (parameters come from conf/*/parameters*.yml)\n",
    );
    await nothingWritten();
  });
});

describe('project module errors through the weft bin', () => {
  beforeEach(async () => {
    project = await copyProject();
  });
  afterEach(async () => {
    await project.remove();
  });

  it('a registry that does not export registerPipelines, or returns no pipelines', async () => {
    await project.write('src/pipeline-registry.ts', 'export const pipelines = {};\n');
    const none = await weft(project.dir, ['run']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'weft: error: src/pipeline-registry.ts: it must export a function registerPipelines() returning { __default__, ...named pipelines }; its exports: pipelines',
    );
    await project.write(
      'src/pipeline-registry.ts',
      'export function registerPipelines() { return { __default__: [] }; }\n',
    );
    const bad = await weft(project.dir, ['run']);
    expect(bad.stderr).toContain("registerPipelines() returned an array for '__default__', not a pipeline");
    await project.write(
      'src/pipeline-registry.ts',
      "import { pipeline } from '@weft/runner';\nexport function registerPipelines() { return { other: pipeline([]) }; }\n",
    );
    const noDefault = await weft(project.dir, ['run']);
    expect(noDefault.stderr).toContain(
      "weft: error: src/pipeline-registry.ts registers no '__default__' pipeline; name one with --pipeline. Pipelines: other",
    );
  });

  it("a registry built with findPipelines (Kedro's find_pipelines) runs, and a pipeline module without createPipeline is named", async () => {
    await project.write(
      'src/pipeline-registry.ts',
      [
        "import { findPipelines } from '@weft/cli';",
        "import { pipeline } from '@weft/runner';",
        'export async function registerPipelines() {',
        '  const found = await findPipelines(import.meta.url);',
        '  return { ...found, __default__: pipeline(Object.values(found)) };',
        '}',
        '',
      ].join('\n'),
    );
    const ok = await weft(project.dir, ['run', '--pipeline', 'data_processing']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Completed: 3 of 3 nodes ran');
    await project.write('src/pipelines/broken/pipeline.ts', 'export const nothing = 1;\n');
    const broken = await weft(project.dir, ['run']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe(
      'weft: error: src/pipelines/broken/pipeline.ts: it must export a function createPipeline(); its exports: nothing\n',
    );
  });

  it('settings with an export of the wrong shape', async () => {
    await project.write('src/settings.ts', 'export const hooks = { beforeNodeRun() {} };\n');
    const result = await weft(project.dir, ['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "weft: error: src/settings.ts: the export 'hooks' must be an array of hook objects",
    );
  });
});

import { buildCatalog, loadProject } from '@weft/cli';
import { describe, expect, it } from 'vitest';

const PROJECT = new URL('..', import.meta.url).pathname;

describe('the registered pipelines', () => {
  it('are data_processing, data_science and their union, with the candidate models in namespaces', async () => {
    const project = await loadProject({ projectDir: PROJECT });
    expect(Object.keys(project.pipelines).sort()).toEqual(['__default__', 'data_processing', 'data_science']);
    const all = project.pipelines.__default__;
    expect(all?.nodes.map((n) => n.name).sort()).toEqual(
      [
        'aggregate_reviews',
        'build_report',
        'create_model_input_table',
        'linear_regression.evaluate_model',
        'linear_regression.train_model',
        'preprocess_companies',
        'preprocess_shuttles',
        'profile_model_input',
        'ridge_regression.evaluate_model',
        'ridge_regression.train_model',
        'split_data',
      ].sort(),
    );
    const ridge = all?.nodes.find((n) => n.name === 'ridge_regression.train_model');
    expect(ridge?.inputs).toEqual([
      'train_set',
      'params:ridge_regression.model_options',
      'params:cv_executor',
    ]);
    expect([...(ridge?.tags ?? [])].sort()).toEqual(['data_science', 'ridge']);
  });

  it('read only what the catalog and the parameters provide or another node writes', async () => {
    const project = await loadProject({ projectDir: PROJECT });
    const catalog = buildCatalog({
      projectDir: project.dir,
      config: project.config,
      parameters: project.parameters,
      loadVersions: {},
      datasetTypes: project.settings.datasetTypes ?? {},
    });
    for (const [name, pipeline] of Object.entries(project.pipelines)) {
      const missing = [...pipeline.inputs()].filter((d) => !catalog.has(d));
      expect(missing, name).toEqual([]);
    }
    // the candidates' models are files, one per namespace, from the dataset factory
    expect(catalog.has('ridge_regression.regressor')).toBe(true);
  });
});

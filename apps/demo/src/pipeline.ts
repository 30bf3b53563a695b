/**
 * The spaceflights pipeline (11 nodes: fan-out after the model-input table and the split, fan-in
 * into the model-input table and the report) and its data catalog: CSV and JSON files under the
 * data folder, memory datasets in between.
 *
 * @module
 */
import { join } from 'node:path';
import { CSVDataset, DataCatalog, JSONDataset, node, type Pipeline, pipeline } from '@weft/runner';
import {
  aggregateReviews,
  buildReport,
  createModelInputTable,
  evaluateLinearRegression,
  evaluateRidgeRegression,
  preprocessCompanies,
  preprocessShuttles,
  profileModelInput,
  splitData,
  trainLinearRegression,
  trainRidgeRegression,
} from './nodes.js';
import {
  type CvExecutorOptions,
  DEFAULT_CV_EXECUTOR,
  DEFAULT_MODEL_OPTIONS,
  type ModelOptions,
} from './spaceflights.js';

/** Name of the pipeline (the Prefect flow name). */
export const PIPELINE_NAME = 'spaceflights';

/** Builds the pipeline. */
export function createPipeline(): Pipeline {
  return pipeline([
    node(preprocessCompanies, 'companies', 'preprocessed_companies', {
      name: 'preprocess_companies',
      tags: ['data_processing'],
    }),
    node(preprocessShuttles, 'shuttles', 'preprocessed_shuttles', {
      name: 'preprocess_shuttles',
      tags: ['data_processing'],
    }),
    node(aggregateReviews, 'reviews', 'review_summary', {
      name: 'aggregate_reviews',
      tags: ['data_processing'],
    }),
    node(
      createModelInputTable,
      ['preprocessed_shuttles', 'preprocessed_companies', 'review_summary'],
      'model_input_table',
      { name: 'create_model_input_table', tags: ['data_processing'] },
    ),
    node(profileModelInput, 'model_input_table', 'data_profile', {
      name: 'profile_model_input',
      tags: ['reporting'],
    }),
    node(splitData, ['model_input_table', 'params:model_options'], ['train_set', 'test_set'], {
      name: 'split_data',
      tags: ['data_science'],
    }),
    node(trainLinearRegression, 'train_set', 'linear_model', {
      name: 'train_linear_regression',
      tags: ['data_science', 'linear'],
    }),
    node(trainRidgeRegression, ['train_set', 'params:model_options', 'params:cv_executor'], 'ridge_model', {
      name: 'train_ridge_regression',
      tags: ['data_science', 'ridge'],
    }),
    node(evaluateLinearRegression, ['linear_model', 'test_set'], 'linear_metrics', {
      name: 'evaluate_linear_regression',
      tags: ['data_science', 'linear'],
    }),
    node(evaluateRidgeRegression, ['ridge_model', 'test_set'], 'ridge_metrics', {
      name: 'evaluate_ridge_regression',
      tags: ['data_science', 'ridge'],
    }),
    node(buildReport, ['linear_metrics', 'ridge_metrics', 'ridge_model', 'data_profile'], 'report', {
      name: 'build_report',
      tags: ['reporting'],
    }),
  ]);
}

/** Names of the nodes, in topological order. */
export const NODE_NAMES: readonly string[] = createPipeline().nodes.map((n) => n.name);

/** File datasets: name → [kind, path relative to the data folder]. */
export const FILE_DATASETS: Readonly<Record<string, readonly ['csv' | 'json', string]>> = {
  companies: ['csv', '01_raw/companies.csv'],
  shuttles: ['csv', '01_raw/shuttles.csv'],
  reviews: ['csv', '01_raw/reviews.csv'],
  preprocessed_companies: ['csv', '02_intermediate/preprocessed_companies.csv'],
  preprocessed_shuttles: ['csv', '02_intermediate/preprocessed_shuttles.csv'],
  model_input_table: ['csv', '03_primary/model_input_table.csv'],
  linear_model: ['json', '06_models/linear_regression.json'],
  ridge_model: ['json', '06_models/ridge_regression.json'],
  report: ['json', '08_reporting/report.json'],
};

/** CSV writing options: booleans as `true`/`false` (csv-stringify's default writes `1` and an empty cell). */
const CSV_SAVE = { header: true, cast: { boolean: (v: boolean) => (v ? 'true' : 'false') } };

/**
 * The catalog: the file datasets under `dataDir`, the modelling parameters; everything else a node
 * writes (review_summary, data_profile, train_set, test_set, the metrics) becomes a memory dataset.
 */
export function createCatalog(
  dataDir: string,
  modelOptions: ModelOptions = DEFAULT_MODEL_OPTIONS,
  cvExecutor: CvExecutorOptions = DEFAULT_CV_EXECUTOR,
): DataCatalog {
  const entries: Record<string, unknown> = {
    'params:model_options': modelOptions,
    'params:cv_executor': cvExecutor,
  };
  for (const [name, [kind, path]] of Object.entries(FILE_DATASETS)) {
    const filepath = join(dataDir, path);
    entries[name] =
      kind === 'csv' ? new CSVDataset({ filepath, saveArgs: CSV_SAVE }) : new JSONDataset({ filepath });
  }
  return new DataCatalog(entries);
}

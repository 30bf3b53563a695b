/**
 * The data science pipeline: a train/test split, two candidate models trained and evaluated by the
 * same two nodes under their own namespace (Kedro's modular pipelines: `linear_regression.train_model`
 * reads `params:linear_regression.model_options` and writes `linear_regression.regressor`), and a
 * report comparing them.
 *
 * ```
 *                      ┌─ linear_regression.train_model ─ linear_regression.evaluate_model ─┐
 * model_input_table ─ split_data ─┤                                                                     ├─ build_report
 *                      └─ ridge_regression.train_model ── ridge_regression.evaluate_model ──┘
 * model_input_table ─ profile_model_input ────────────────────────────────────────────────────┘
 * ```
 *
 * @module
 */
import { node, type Pipeline, pipeline } from '@weft/runner';
import { buildReport, evaluateModel, profileModelInput, splitData, trainModel } from './nodes.js';

/** The candidate models: each is the modelling pipeline under its namespace. */
export const CANDIDATES = ['linear_regression', 'ridge_regression'] as const;

/** Train and evaluate one model: `train_set`, `test_set` and `params:cv_executor` are shared. */
function modelling(namespace: (typeof CANDIDATES)[number]): Pipeline {
  return pipeline(
    [
      node(trainModel, ['train_set', 'params:model_options', 'params:cv_executor'], 'regressor', {
        name: 'train_model',
      }),
      node(evaluateModel, ['regressor', 'test_set'], 'metrics', { name: 'evaluate_model' }),
    ],
    {
      namespace,
      inputs: ['train_set', 'test_set'],
      parameters: ['params:cv_executor'],
      tags: namespace === 'linear_regression' ? 'linear' : 'ridge',
    },
  );
}

/** Builds the pipeline (Kedro's `create_pipeline()`). */
export function createPipeline(): Pipeline {
  return pipeline(
    [
      node(profileModelInput, 'model_input_table', 'data_profile', {
        name: 'profile_model_input',
        tags: 'reporting',
      }),
      node(splitData, ['model_input_table', 'params:split_options'], ['train_set', 'test_set'], {
        name: 'split_data',
      }),
      ...CANDIDATES.map(modelling),
      node(
        buildReport,
        [
          'linear_regression.metrics',
          'ridge_regression.metrics',
          'linear_regression.regressor',
          'ridge_regression.regressor',
          'data_profile',
        ],
        'report',
        { name: 'build_report', tags: 'reporting' },
      ),
    ],
    { tags: 'data_science' },
  );
}

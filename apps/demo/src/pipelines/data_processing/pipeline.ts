/**
 * The data processing pipeline: raw tables in, the model-input table out.
 *
 * ```
 * companies ─ preprocess_companies ─┐
 * shuttles ── preprocess_shuttles ──┼─ create_model_input_table ─ model_input_table
 * reviews ─── aggregate_reviews ────┘
 * ```
 *
 * @module
 */
import { node, type Pipeline, pipeline } from '@weft/runner';
import { aggregateReviews, createModelInputTable, preprocessCompanies, preprocessShuttles } from './nodes.js';

/** Builds the pipeline (Kedro's `create_pipeline()`). */
export function createPipeline(): Pipeline {
  return pipeline(
    [
      node(preprocessCompanies, 'companies', 'preprocessed_companies', { name: 'preprocess_companies' }),
      node(preprocessShuttles, 'shuttles', 'preprocessed_shuttles', { name: 'preprocess_shuttles' }),
      node(aggregateReviews, 'reviews', 'review_summary', { name: 'aggregate_reviews' }),
      node(
        createModelInputTable,
        ['preprocessed_shuttles', 'preprocessed_companies', 'review_summary'],
        'model_input_table',
        { name: 'create_model_input_table' },
      ),
    ],
    { tags: 'data_processing' },
  );
}

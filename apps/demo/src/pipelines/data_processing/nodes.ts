/**
 * The nodes of the data processing pipeline: clean the raw companies and shuttles, summarise the
 * reviews, join the three into the model-input table. Node functions are module-level exports:
 * the parallel runner's worker threads and the distributed runner's worker processes import this
 * module and find each node's function by its export.
 *
 * Each node logs through its run logger (`nodeLogger()`): the lines name the flow run and the
 * node's task run, on every runner.
 *
 * @module
 */
import type { Row } from '../../columns.js';
import { nodeLogger } from '../../context.js';
import {
  type Company,
  cleanCompanies,
  cleanShuttles,
  joinModelInput,
  type ModelInputRow,
  type ReviewSummary,
  type Shuttle,
  summarizeReviews,
} from './cleaning.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Cleans the companies: ratings `90%` → 0.9 (blanks imputed with the median), `t`/`f` → booleans. */
export function preprocessCompanies(companies: Row[]): Company[] {
  const log = nodeLogger();
  log.info(`Cleaning ${companies.length} companies: ratings '90%' -> 0.9, iata_approved t/f -> boolean`);
  const result = cleanCompanies(companies);
  log.info(
    `Imputed ${result.imputedRatings} missing company ratings with the median ${pct(result.medianRating)}`,
  );
  return result.companies;
}

/** Cleans the shuttles: prices `$1,325.0` → 1325, flags → booleans; drops rows without engines or crew. */
export function preprocessShuttles(shuttles: Row[]): Shuttle[] {
  const log = nodeLogger();
  log.info(`Cleaning ${shuttles.length} shuttles: prices '$1,325.0' -> 1325, flags t/f -> boolean`);
  const result = cleanShuttles(shuttles);
  if (result.dropped > 0)
    log.warning(`Dropped ${result.dropped} shuttles with a blank engine count or crew size`);
  log.info(`Kept ${result.shuttles.length} shuttles`);
  return result.shuttles;
}

/** Averages the review scores of each shuttle. */
export function aggregateReviews(reviews: Row[]): ReviewSummary[] {
  const log = nodeLogger();
  log.info(`Aggregating ${reviews.length} reviews by shuttle`);
  const summary = summarizeReviews(reviews);
  log.info(
    `${summary.length} shuttles have reviews (${(reviews.length / Math.max(1, summary.length)).toFixed(2)} per shuttle on average)`,
  );
  return summary;
}

/** Joins shuttles with their company and their review summary: one row per shuttle. */
export function createModelInputTable(
  shuttles: Row[],
  companies: Row[],
  reviews: ReviewSummary[],
): ModelInputRow[] {
  const log = nodeLogger();
  log.info(
    `Joining ${shuttles.length} shuttles with ${companies.length} companies and ${reviews.length} review summaries`,
  );
  const result = joinModelInput(shuttles, companies, reviews);
  if (result.withoutReviews > 0) log.info(`Left out ${result.withoutReviews} shuttles without reviews`);
  if (result.withoutCompany > 0)
    log.warning(`Left out ${result.withoutCompany} shuttles of unknown companies`);
  log.info(`Model-input table: ${result.rows.length} rows`);
  return result.rows;
}

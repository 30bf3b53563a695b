/**
 * The node functions of the spaceflights pipeline. They are module-level exports of this module
 * because ParallelRunner finds a node's function in a worker thread by importing this module
 * ({@link NODES_MODULE}) and reading the export that is that very function.
 *
 * Every node logs through `getRunLogger()`: the records carry the flow run and the node's own task
 * run, whichever runner and thread run the node. Each record also carries the thread the node ran
 * on (`extra.thread`), which the summary table shows.
 *
 * @module
 */
import { AsyncExecutor } from '@weft/executor';
import { getRunLogger, type RunLogger } from '@weft/prefect-bridge';
import { failAtVar, tenantVar, threadLabel } from './demo-context.js';
import { DemoError } from './errors.js';
import {
  fitLinearModel,
  foldAssignments,
  foldValidationRmse,
  type LinearModel,
  type RegressionMetrics,
  summarizeCrossValidation,
} from './regression.js';
import {
  buildFeatures,
  type CsvRow,
  type CvExecutorOptions,
  cleanCompanies,
  cleanShuttles,
  cvSeed,
  evaluate,
  type FeatureSet,
  joinModelInput,
  type ModelOptions,
  profileTable,
  type ReviewSummary,
  summarizeReviews,
  trainLinear,
  trainTestSplit,
} from './spaceflights.js';

/** URL of this module, for `new ParallelRunner({ module: NODES_MODULE })`. */
export const NODES_MODULE = import.meta.url;

/** The failure `--fail-at <node>` injects. */
export class SimulatedFailureError extends DemoError {
  /** @param node The node made to fail. */
  constructor(node: string) {
    super(`Simulated failure in node '${node}' (requested with --fail-at ${node})`, 'SIMULATED_FAILURE');
  }
}

/**
 * The node's run logger, with the thread bound as `extra.thread`. Throws the simulated failure
 * when `--fail-at` names this node (read from a propagated context variable).
 */
function start(node: string): RunLogger {
  const log = getRunLogger({ thread: threadLabel() });
  if (failAtVar.get() === node) {
    log.error(`Failing on purpose: --fail-at ${node}`);
    throw new SimulatedFailureError(node);
  }
  return log;
}

/** What nodes show for the tenant when the caller's context did not reach them. */
export const NOT_SET = '(not set)';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const money = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

/** Cleans the companies table. */
export function preprocessCompanies(companies: CsvRow[]) {
  const log = start('preprocess_companies');
  log.info(`Cleaning ${companies.length} companies: ratings '90%' -> 0.9, iata_approved t/f -> boolean`);
  const result = cleanCompanies(companies);
  log.info(
    `Imputed ${result.imputedRatings} missing company ratings with the median ${pct(result.medianRating)}`,
  );
  return result.companies;
}

/** Cleans the shuttles table. */
export function preprocessShuttles(shuttles: CsvRow[]) {
  const log = start('preprocess_shuttles');
  log.info(`Cleaning ${shuttles.length} shuttles: prices '$1,325.0' -> 1325, flags t/f -> boolean`);
  const result = cleanShuttles(shuttles);
  if (result.dropped > 0)
    log.warning(`Dropped ${result.dropped} shuttles with a blank engine count or crew size`);
  log.info(`Kept ${result.shuttles.length} shuttles`);
  return result.shuttles;
}

/** Averages the reviews of each shuttle. */
export function aggregateReviews(reviews: CsvRow[]): ReviewSummary[] {
  const log = start('aggregate_reviews');
  log.info(`Aggregating ${reviews.length} reviews by shuttle`);
  const summary = summarizeReviews(reviews);
  log.info(
    `${summary.length} shuttles have reviews (${(reviews.length / Math.max(1, summary.length)).toFixed(2)} per shuttle on average)`,
  );
  return summary;
}

/** Joins shuttles, companies and review summaries into the model-input table. */
export function createModelInputTable(shuttles: CsvRow[], companies: CsvRow[], reviews: ReviewSummary[]) {
  const log = start('create_model_input_table');
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

/** Profiles the model-input table; also shows a plain user ContextVar arriving in a node. */
export function profileModelInput(table: CsvRow[]) {
  const log = start('profile_model_input');
  const profile = profileTable(table);
  log.info(
    `Profiling ${profile.rows} rows for tenant '${tenantVar.get(NOT_SET)}' (a user ContextVar set before the run)`,
  );
  log.info(
    `Price: min ${money(profile.price.min)}, median ${money(profile.price.median)}, max ${money(profile.price.max)}; by engine: ${Object.entries(
      profile.meanPriceByEngineType,
    )
      .map(([k, v]) => `${k} ${money(v)}`)
      .join(', ')}`,
  );
  return profile;
}

/** Builds the feature matrix and splits it into train and test sets. */
export function splitData(table: CsvRow[], options: ModelOptions): [FeatureSet, FeatureSet] {
  const log = start('split_data');
  const all = buildFeatures(table, options.features);
  const { train, test } = trainTestSplit(all, options.test_size, options.random_state);
  log.info(`${all.features.length} features: ${all.features.join(', ')}`);
  log.info(
    `Split ${all.X.length} rows into ${train.X.length} train / ${test.X.length} test (test_size=${options.test_size})`,
  );
  return [train, test];
}

/** Fits ordinary least squares. */
export function trainLinearRegression(train: FeatureSet): LinearModel {
  const log = start('train_linear_regression');
  log.info(
    `Fitting ordinary least squares on ${train.X.length} rows x ${train.features.length} features (normal equations)`,
  );
  const model = trainLinear(train);
  log.info(`Intercept ${money(model.intercept)}; largest effect: ${strongest(model)}`);
  return model;
}

/**
 * One cross-validation fit, run as a task of `train_ridge_regression`'s executor. It logs through
 * `getRunLogger()` too: with context propagation the line lands on the node's task run; without
 * it, the task runs in an empty context and `getRunLogger()` raises MissingContextError.
 */
export function ridgeFold(train: FeatureSet, alpha: number, foldOf: readonly number[], fold: number): number {
  const log = getRunLogger({ thread: threadLabel() });
  const rmse = foldValidationRmse(train.X, train.y, train.features, alpha, foldOf, fold);
  log.debug(`fold ${fold + 1}, alpha=${alpha}: validation RMSE ${rmse.toFixed(2)}`);
  return rmse;
}

/**
 * Fits ridge regression with the penalty chosen by k-fold cross-validation. The fits (alphas ×
 * folds) are tasks on an AsyncExecutor, each in a copy of this node's context: their log lines
 * carry this node's task run, like every other line of the node.
 */
export async function trainRidgeRegression(
  train: FeatureSet,
  options: ModelOptions,
  cv: CvExecutorOptions,
): Promise<LinearModel> {
  const log = start('train_ridge_regression');
  const fits = options.alphas.length * options.cv_folds;
  log.info(
    `Cross-validating alpha in [${options.alphas.join(', ')}] with ${options.cv_folds} folds: ${fits} fits on an AsyncExecutor (${cv.max_workers} at a time, context ${cv.propagate_context ? 'propagated' : 'NOT propagated'})`,
  );
  const foldOf = foldAssignments(train.X.length, options.cv_folds, cvSeed(options));
  const executor = new AsyncExecutor({ maxWorkers: cv.max_workers, propagateContext: cv.propagate_context });
  let foldRmse: number[][];
  try {
    const futures = options.alphas.map((alpha) =>
      Array.from({ length: options.cv_folds }, (_, f) => executor.submit(ridgeFold, train, alpha, foldOf, f)),
    );
    foldRmse = await Promise.all(futures.map((row) => Promise.all(row.map((future) => future.result()))));
  } finally {
    await executor.shutdown({ wait: true });
  }
  const { bestAlpha, scores } = summarizeCrossValidation(options.alphas, foldRmse);
  for (const s of scores) log.debug(`alpha=${s.alpha}: mean validation RMSE ${s.rmse.toFixed(2)}`);
  const model = fitLinearModel(train.X, train.y, train.features, {
    name: 'ridge_regression',
    alpha: bestAlpha,
  });
  log.info(
    `Best alpha=${model.alpha} (validation RMSE ${scores.find((s) => s.alpha === model.alpha)?.rmse.toFixed(2)}); largest effect: ${strongest(model)}`,
  );
  return model;
}

function strongest(model: LinearModel): string {
  let best = 0;
  model.coefficients.forEach((c, i) => {
    if (Math.abs(c) > Math.abs(model.coefficients[best] as number)) best = i;
  });
  return `${model.features[best]} (${money(model.coefficients[best] as number)} per standard deviation)`;
}

function evaluateWith(node: string, model: LinearModel, test: FeatureSet) {
  const log = start(node);
  const metrics = evaluate(model, test);
  log.info(
    `${model.name} on ${metrics.n} held-out shuttles: R²=${metrics.r2.toFixed(4)}, MAE=${money(metrics.mae)}, RMSE=${money(metrics.rmse)}`,
  );
  return metrics;
}

/** Evaluates the linear model on the test set. */
export function evaluateLinearRegression(model: LinearModel, test: FeatureSet) {
  return evaluateWith('evaluate_linear_regression', model, test);
}

/** Evaluates the ridge model on the test set. */
export function evaluateRidgeRegression(model: LinearModel, test: FeatureSet) {
  return evaluateWith('evaluate_ridge_regression', model, test);
}

/** The JSON report of the pipeline. */
export interface SpaceflightsReport {
  readonly pipeline: 'spaceflights';
  readonly tenant: string;
  readonly data: ReturnType<typeof profileTable>;
  readonly models: Record<string, RegressionMetrics & { model: string; alpha?: number }>;
  readonly best_model: string;
  readonly coefficients: Record<string, number>;
}

/** Compares the models and writes the report. */
export function buildReport(
  linear: RegressionMetrics & { model: string },
  ridge: RegressionMetrics & { model: string },
  ridgeModel: LinearModel,
  profile: ReturnType<typeof profileTable>,
): SpaceflightsReport {
  const log = start('build_report');
  const best = ridge.rmse < linear.rmse ? ridge : linear;
  log.info(`Best model: ${best.model} (RMSE ${money(best.rmse)}, R²=${best.r2.toFixed(4)})`);
  const report: SpaceflightsReport = {
    pipeline: 'spaceflights',
    tenant: tenantVar.get(NOT_SET),
    data: profile,
    models: { [linear.model]: linear, [ridge.model]: { ...ridge, alpha: ridgeModel.alpha } },
    best_model: best.model,
    coefficients: Object.fromEntries(
      ridgeModel.features.map((f, i) => [f, Math.round((ridgeModel.coefficients[i] as number) * 100) / 100]),
    ),
  };
  log.info(`Report for tenant '${report.tenant}' ready`);
  return report;
}

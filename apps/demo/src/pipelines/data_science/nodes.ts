/**
 * The nodes of the data science pipeline: profile the model-input table, split it, train and
 * evaluate each candidate model (the same two nodes under the namespaces `linear_regression` and
 * `ridge_regression`, with their own parameters), and compare them in a report. Node functions are
 * module-level exports, for the worker threads and worker processes that import this module.
 *
 * `train_model` hands its cross-validation fits to an `AsyncExecutor`, as Python code would hand
 * them to a `ThreadPoolExecutor`. Weft's executor runs each fit in a copy of the node's context, so
 * the fits' log lines carry the node's task run; with `params:cv_executor.propagate_context` false
 * the fits run without it and `getRunLogger()` raises `MissingContextError`, which is Prefect's
 * issue PrefectHQ/prefect#8652.
 *
 * @module
 */
import { AsyncExecutor } from '@weft/executor';
import { getRunLogger } from '@weft/prefect-bridge';
import type { Row } from '../../columns.js';
import { NOT_SET, nodeLogger, tenantVar, threadLabel } from '../../context.js';
import {
  buildFeatures,
  type CvExecutorOptions,
  evaluate,
  type FeatureSet,
  type ModelOptions,
  profileTable,
  type SplitOptions,
  trainTestSplit,
} from './modelling.js';
import {
  fitLinearModel,
  foldAssignments,
  foldValidationRmse,
  type LinearModel,
  type RegressionMetrics,
  summarizeCrossValidation,
} from './regression.js';

const money = (x: number) => `$${x.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

/** A profile of the model-input table: rows, prices, mean price per engine type; and who the run is for. */
export function profileModelInput(table: Row[]): ReturnType<typeof profileTable> & { tenant: string } {
  const log = nodeLogger();
  const profile = profileTable(table);
  const tenant = tenantVar.get(NOT_SET);
  if (tenant === NOT_SET) {
    log.warning(
      `Profiling ${profile.rows} rows, tenant ${NOT_SET}: the value set before the run did not reach this node (context propagation off?)`,
    );
  } else {
    log.info(`Profiling ${profile.rows} rows for tenant '${tenant}' (a context variable set before the run)`);
  }
  log.info(
    `Price: min ${money(profile.price.min)}, median ${money(profile.price.median)}, max ${money(profile.price.max)}; by engine: ${Object.entries(
      profile.meanPriceByEngineType,
    )
      .map(([k, v]) => `${k} ${money(v)}`)
      .join(', ')}`,
  );
  return { ...profile, tenant };
}

/** Builds the feature matrix and splits it into train and test sets. */
export function splitData(table: Row[], options: SplitOptions): [FeatureSet, FeatureSet] {
  const log = nodeLogger();
  const all = buildFeatures(table, options.features);
  const { train, test } = trainTestSplit(all, options.test_size, options.random_state);
  log.info(`${all.features.length} features: ${all.features.join(', ')}`);
  log.info(
    `Split ${all.X.length} rows into ${train.X.length} train / ${test.X.length} test (test_size=${options.test_size})`,
  );
  return [train, test];
}

/**
 * One cross-validation fit, run as a task of `train_model`'s executor. It logs through
 * `getRunLogger()` too: with the node's context its line lands on the node's task run.
 */
export function crossValidationFit(
  train: FeatureSet,
  alpha: number,
  foldOf: readonly number[],
  fold: number,
): number {
  const rmse = foldValidationRmse(train.X, train.y, train.features, alpha, foldOf, fold);
  getRunLogger({ thread: threadLabel() }).debug(
    `fold ${fold + 1}, alpha=${alpha}: validation RMSE ${rmse.toFixed(2)}`,
  );
  return rmse;
}

function strongest(model: LinearModel): string {
  let best = 0;
  model.coefficients.forEach((c, i) => {
    if (Math.abs(c) > Math.abs(model.coefficients[best] as number)) best = i;
  });
  return `${model.features[best]} (${money(model.coefficients[best] as number)} per standard deviation)`;
}

/**
 * Fits a linear model: with one alpha as it is (`[0]`: ordinary least squares), with several the
 * alpha chosen by k-fold cross-validation, whose fits run on an `AsyncExecutor`.
 */
export async function trainModel(
  train: FeatureSet,
  options: ModelOptions,
  cv: CvExecutorOptions,
): Promise<LinearModel> {
  const log = nodeLogger();
  let alpha = options.alphas[0] ?? 0;
  if (options.alphas.length > 1) {
    const fits = options.alphas.length * options.cv_folds;
    log.info(
      `${options.name}: cross-validating alpha in [${options.alphas.join(', ')}] with ${options.cv_folds} folds: ${fits} fits on an AsyncExecutor (${cv.max_workers} at a time, context ${cv.propagate_context ? 'propagated' : 'NOT propagated'})`,
    );
    const foldOf = foldAssignments(train.X.length, options.cv_folds, options.cv_seed);
    const executor = new AsyncExecutor({
      maxWorkers: cv.max_workers,
      propagateContext: cv.propagate_context,
    });
    let foldRmse: number[][];
    try {
      const futures = options.alphas.map((a) =>
        Array.from({ length: options.cv_folds }, (_, f) =>
          executor.submit(crossValidationFit, train, a, foldOf, f),
        ),
      );
      foldRmse = await Promise.all(futures.map((row) => Promise.all(row.map((future) => future.result()))));
    } finally {
      await executor.shutdown({ wait: true });
    }
    const { bestAlpha, scores } = summarizeCrossValidation(options.alphas, foldRmse);
    for (const s of scores) log.debug(`alpha=${s.alpha}: mean validation RMSE ${s.rmse.toFixed(2)}`);
    alpha = bestAlpha;
    log.info(
      `${options.name}: best alpha=${alpha} (validation RMSE ${scores.find((s) => s.alpha === alpha)?.rmse.toFixed(2)})`,
    );
  }
  log.info(
    `${options.name}: fitting on ${train.X.length} rows x ${train.features.length} features (normal equations${alpha > 0 ? `, alpha=${alpha}` : ''})`,
  );
  const model = fitLinearModel(train.X, train.y, train.features, { name: options.name, alpha });
  log.info(`${options.name}: intercept ${money(model.intercept)}; largest effect: ${strongest(model)}`);
  return model;
}

/** Scores a model on the test set: R², MAE, RMSE. */
export function evaluateModel(model: LinearModel, test: FeatureSet): RegressionMetrics & { model: string } {
  const log = nodeLogger();
  const metrics = evaluate(model, test);
  log.info(
    `${model.name} on ${metrics.n} held-out shuttles: R²=${metrics.r2.toFixed(4)}, MAE=${money(metrics.mae)}, RMSE=${money(metrics.rmse)}`,
  );
  return metrics;
}

/** The report of the run (`data/08_reporting/report.json`). */
export interface SpaceflightsReport {
  readonly tenant: string;
  readonly data: ReturnType<typeof profileTable>;
  readonly models: Record<string, RegressionMetrics & { model: string; alpha: number }>;
  readonly best_model: string;
  readonly coefficients: Record<string, number>;
}

/** Compares the candidate models and writes the report. */
export function buildReport(
  linear: RegressionMetrics & { model: string },
  ridge: RegressionMetrics & { model: string },
  linearModel: LinearModel,
  ridgeModel: LinearModel,
  profile: ReturnType<typeof profileTable> & { tenant: string },
): SpaceflightsReport {
  const log = nodeLogger();
  const best = ridge.rmse < linear.rmse ? ridge : linear;
  const bestModel = best === ridge ? ridgeModel : linearModel;
  log.info(`Best model: ${best.model} (RMSE ${money(best.rmse)}, R²=${best.r2.toFixed(4)})`);
  const { tenant, ...data } = profile;
  const report: SpaceflightsReport = {
    tenant,
    data,
    models: {
      [linear.model]: { ...linear, alpha: linearModel.alpha },
      [ridge.model]: { ...ridge, alpha: ridgeModel.alpha },
    },
    best_model: best.model,
    coefficients: Object.fromEntries(
      bestModel.features.map((f, i) => [f, Math.round((bestModel.coefficients[i] as number) * 100) / 100]),
    ),
  };
  log.info(`Report for tenant '${report.tenant}' ready`);
  return report;
}

/**
 * The data logic of the data science pipeline, as pure functions (no I/O, no logging): the feature
 * matrix, the train/test split, the metrics of a model, a profile of the model-input table. The
 * nodes in `nodes.ts` wrap these and log what they did.
 *
 * @module
 */
import { median, type Row, requiredNumber, round, text } from '../../columns.js';
import { DataError } from '../../errors.js';
import { Prng } from '../../prng.js';
import { type LinearModel, predict, type RegressionMetrics, regressionMetrics } from './regression.js';

/** How the model-input table becomes features and a train/test split (`params:split_options`). */
export interface SplitOptions {
  /** Share of rows held out for evaluation, in (0, 1). */
  readonly test_size: number;
  /** Seed of the train/test shuffle. */
  readonly random_state: string;
  /** Feature columns of the model-input table (`engine_type_<type>`: one-hot of the engine type). */
  readonly features: readonly string[];
}

/** One candidate model (`params:<namespace>.model_options`). */
export interface ModelOptions {
  /** The model's name, in logs and the report. */
  readonly name: string;
  /** Ridge penalties: one is used as it is (`[0]`: ordinary least squares), several are cross-validated. */
  readonly alphas: readonly number[];
  /** Folds of the cross-validation. */
  readonly cv_folds: number;
  /** Seed of the cross-validation folds. */
  readonly cv_seed: string;
}

/** How `train_model` runs its cross-validation fits (`params:cv_executor`). */
export interface CvExecutorOptions {
  /** Fits in flight at once on the node's AsyncExecutor. */
  readonly max_workers: number;
  /** Whether the fits run in a copy of the node's context (false: as Python's ThreadPoolExecutor). */
  readonly propagate_context: boolean;
}

/** A feature matrix with its target. */
export interface FeatureSet {
  readonly features: readonly string[];
  readonly X: readonly (readonly number[])[];
  readonly y: readonly number[];
  /** Shuttle ids, row by row. */
  readonly ids: readonly string[];
}

/**
 * Builds the feature matrix of `features` from model-input rows (as loaded from CSV). Derived
 * features: `engine_type_<type>` (one-hot, lower case) and booleans as 0/1.
 */
export function buildFeatures(rows: readonly Row[], features: readonly string[]): FeatureSet {
  const ds = 'model_input_table';
  const X = rows.map((r, i) =>
    features.map((f) => {
      if (f.startsWith('engine_type_')) {
        return text(r, 'engine_type', ds, i).toLowerCase() === f.slice('engine_type_'.length) ? 1 : 0;
      }
      const raw = text(r, f, ds, i).trim().toLowerCase();
      if (raw === 'true' || raw === 't') return 1;
      if (raw === 'false' || raw === 'f') return 0;
      return requiredNumber(r, f, ds, i);
    }),
  );
  return {
    features: [...features],
    X,
    y: rows.map((r, i) => requiredNumber(r, 'price', ds, i)),
    ids: rows.map((r, i) => text(r, 'id', ds, i)),
  };
}

/** Splits rows into train and test sets by a seeded shuffle. */
export function trainTestSplit(
  data: FeatureSet,
  testSize: number,
  seed: string,
): { train: FeatureSet; test: FeatureSet } {
  if (!(testSize > 0 && testSize < 1)) {
    throw new DataError(`params:split_options.test_size must be in (0, 1), got ${testSize}`);
  }
  const order = new Prng(seed).shuffle(data.X.map((_, i) => i));
  const nTest = Math.max(1, Math.round(order.length * testSize));
  const pick = (idx: number[]): FeatureSet => ({
    features: data.features,
    X: idx.map((i) => data.X[i] as readonly number[]),
    y: idx.map((i) => data.y[i] as number),
    ids: idx.map((i) => data.ids[i] as string),
  });
  return { train: pick(order.slice(nTest)), test: pick(order.slice(0, nTest)) };
}

/** Metrics of a model on a test set, rounded for stable reports. */
export function evaluate(model: LinearModel, test: FeatureSet): RegressionMetrics & { model: string } {
  const m = regressionMetrics(test.y, predict(model, test.X));
  return { model: model.name, r2: round(m.r2, 6), mae: round(m.mae, 4), rmse: round(m.rmse, 4), n: m.n };
}

/** A short profile of the model-input table: size, price distribution, mean price per engine type. */
export function profileTable(rows: readonly Row[]): {
  rows: number;
  price: { min: number; median: number; mean: number; max: number };
  meanPriceByEngineType: Record<string, number>;
} {
  if (rows.length === 0) throw new DataError("Dataset 'model_input_table' is empty");
  const prices = rows.map((r, i) => requiredNumber(r, 'price', 'model_input_table', i));
  const byType = new Map<string, { n: number; total: number }>();
  rows.forEach((r, i) => {
    const t = text(r, 'engine_type', 'model_input_table', i);
    const e = byType.get(t) ?? { n: 0, total: 0 };
    e.n++;
    e.total += prices[i] as number;
    byType.set(t, e);
  });
  return {
    rows: rows.length,
    price: {
      min: Math.min(...prices),
      median: median(prices),
      mean: round(prices.reduce((s, v) => s + v, 0) / prices.length, 2),
      max: Math.max(...prices),
    },
    meanPriceByEngineType: Object.fromEntries(
      [...byType.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([t, e]) => [t, round(e.total / e.n, 2)]),
    ),
  };
}

/**
 * The data logic of the spaceflights pipeline, as pure functions (no I/O, no logging): cleaning
 * the raw tables, joining them into the model-input table, building feature matrices, splitting,
 * training and evaluating. The node functions in `nodes.ts` wrap these and log what they did.
 *
 * @module
 */
import { DemoDataError } from './errors.js';
import { Prng } from './prng.js';
import {
  crossValidateAlpha,
  fitLinearModel,
  type LinearModel,
  predict,
  type RegressionMetrics,
  regressionMetrics,
} from './regression.js';

/** A CSV row as loaded: column → string (or a value cast by the loader). */
export type CsvRow = Readonly<Record<string, unknown>>;

/** A cleaned company (row of `preprocessed_companies`). */
export interface Company {
  id: string;
  company_rating: number;
  company_location: string;
  total_fleet_count: number;
  iata_approved: boolean;
}

/** A cleaned shuttle (row of `preprocessed_shuttles`). */
export interface Shuttle {
  id: string;
  shuttle_type: string;
  engine_type: string;
  engines: number;
  passenger_capacity: number;
  crew: number;
  d_check_complete: boolean;
  moon_clearance_complete: boolean;
  price: number;
  company_id: string;
}

/** Reviews of one shuttle, aggregated (row of `review_summary`). */
export interface ReviewSummary {
  shuttle_id: string;
  review_count: number;
  review_scores_rating: number;
  review_scores_comfort: number;
  review_scores_amenities: number;
  review_scores_crew: number;
  review_scores_value: number;
}

/** A row of the model-input table: a shuttle joined with its company and its reviews. */
export interface ModelInputRow extends Shuttle, Omit<ReviewSummary, 'shuttle_id'> {
  company_rating: number;
  company_location: string;
  iata_approved: boolean;
}

/** A feature matrix with its target. */
export interface FeatureSet {
  readonly features: readonly string[];
  readonly X: readonly (readonly number[])[];
  readonly y: readonly number[];
  /** Shuttle ids, row by row. */
  readonly ids: readonly string[];
}

/** Parameters of the modelling nodes (`params:model_options`). */
export interface ModelOptions {
  /** Share of rows held out for evaluation, in (0, 1). */
  readonly test_size: number;
  /** Seed of the train/test shuffle and of the cross-validation folds. */
  readonly random_state: string;
  /** Feature columns of the model-input table. */
  readonly features: readonly string[];
  /** Ridge penalties tried by cross-validation. */
  readonly alphas: readonly number[];
  /** Number of cross-validation folds. */
  readonly cv_folds: number;
}

/** How `train_ridge_regression` runs its cross-validation fits (`params:cv_executor`). */
export interface CvExecutorOptions {
  /** Fits in flight at once on the node's AsyncExecutor. */
  readonly max_workers: number;
  /** Whether the fits run in a copy of the node's context (false with `--no-context`). */
  readonly propagate_context: boolean;
}

/** The default: four fits at once, context propagated. */
export const DEFAULT_CV_EXECUTOR: CvExecutorOptions = { max_workers: 4, propagate_context: true };

/** The default modelling parameters. */
export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  test_size: 0.2,
  random_state: 'spaceflights-split',
  features: [
    'engines',
    'passenger_capacity',
    'crew',
    'd_check_complete',
    'moon_clearance_complete',
    'iata_approved',
    'company_rating',
    'review_scores_rating',
    'engine_type_quantum',
    'engine_type_plasma',
  ],
  alphas: [0, 0.1, 1, 3, 10, 30, 100],
  cv_folds: 5,
};

/** Reads a column as text, failing with the dataset, row and column named. */
export function text(row: CsvRow, column: string, dataset: string, index: number): string {
  const value = row[column];
  if (value === undefined || value === null) {
    throw new DemoDataError(`Dataset '${dataset}' row ${index + 1} has no column '${column}'`);
  }
  return String(value);
}

/** Reads a column as a finite number (after stripping `$`, `,` and `%`), or `undefined` when blank. */
export function optionalNumber(
  row: CsvRow,
  column: string,
  dataset: string,
  index: number,
): number | undefined {
  const raw = text(row, column, dataset, index).trim();
  if (raw === '') return undefined;
  const value = Number(raw.replace(/[$,%]/g, ''));
  if (!Number.isFinite(value)) {
    throw new DemoDataError(
      `Dataset '${dataset}' row ${index + 1} column '${column}': '${raw}' is not a number`,
    );
  }
  return value;
}

/** Reads a column as a finite number; blank is an error. */
export function requiredNumber(row: CsvRow, column: string, dataset: string, index: number): number {
  const value = optionalNumber(row, column, dataset, index);
  if (value === undefined)
    throw new DemoDataError(`Dataset '${dataset}' row ${index + 1} column '${column}' is blank`);
  return value;
}

/** Reads `t`/`f`/`true`/`false`/`1`/`0` as a boolean. */
export function bool(row: CsvRow, column: string, dataset: string, index: number): boolean {
  const raw = text(row, column, dataset, index).trim().toLowerCase();
  if (raw === 't' || raw === 'true' || raw === '1') return true;
  if (raw === 'f' || raw === 'false' || raw === '0') return false;
  throw new DemoDataError(
    `Dataset '${dataset}' row ${index + 1} column '${column}': '${raw}' is not a boolean`,
  );
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Cleans the companies: `90%` → 0.9 (blanks imputed with the median), `t`/`f` → booleans. */
export function cleanCompanies(rows: readonly CsvRow[]): {
  companies: Company[];
  imputedRatings: number;
  medianRating: number;
} {
  const ratings = rows.map((r, i) => optionalNumber(r, 'company_rating', 'companies', i));
  const known = ratings.filter((v): v is number => v !== undefined);
  const medianRating = known.length === 0 ? 0 : median(known) / 100;
  let imputedRatings = 0;
  const companies = rows.map((r, i) => {
    const rating = ratings[i];
    if (rating === undefined) imputedRatings++;
    return {
      id: text(r, 'id', 'companies', i),
      company_rating: rating === undefined ? medianRating : rating / 100,
      company_location: text(r, 'company_location', 'companies', i),
      total_fleet_count: requiredNumber(r, 'total_fleet_count', 'companies', i),
      iata_approved: bool(r, 'iata_approved', 'companies', i),
    };
  });
  return { companies, imputedRatings, medianRating };
}

/** Cleans the shuttles: `$1,325.0` → 1325, `t`/`f` → booleans; rows with a blank engine count or crew are dropped. */
export function cleanShuttles(rows: readonly CsvRow[]): { shuttles: Shuttle[]; dropped: number } {
  const shuttles: Shuttle[] = [];
  let dropped = 0;
  rows.forEach((r, i) => {
    const engines = optionalNumber(r, 'engines', 'shuttles', i);
    const crew = optionalNumber(r, 'crew', 'shuttles', i);
    if (engines === undefined || crew === undefined) {
      dropped++;
      return;
    }
    shuttles.push({
      id: text(r, 'id', 'shuttles', i),
      shuttle_type: text(r, 'shuttle_type', 'shuttles', i),
      engine_type: text(r, 'engine_type', 'shuttles', i),
      engines,
      passenger_capacity: requiredNumber(r, 'passenger_capacity', 'shuttles', i),
      crew,
      d_check_complete: bool(r, 'd_check_complete', 'shuttles', i),
      moon_clearance_complete: bool(r, 'moon_clearance_complete', 'shuttles', i),
      price: requiredNumber(r, 'price', 'shuttles', i),
      company_id: text(r, 'company_id', 'shuttles', i),
    });
  });
  return { shuttles, dropped };
}

const REVIEW_SCORES = [
  'review_scores_rating',
  'review_scores_comfort',
  'review_scores_amenities',
  'review_scores_crew',
  'review_scores_value',
] as const;

/** Averages the review scores of each shuttle (ordered by shuttle id). */
export function summarizeReviews(rows: readonly CsvRow[]): ReviewSummary[] {
  const sums = new Map<string, { count: number; totals: number[] }>();
  rows.forEach((r, i) => {
    const id = text(r, 'shuttle_id', 'reviews', i);
    let entry = sums.get(id);
    if (entry === undefined) {
      entry = { count: 0, totals: REVIEW_SCORES.map(() => 0) };
      sums.set(id, entry);
    }
    entry.count++;
    REVIEW_SCORES.forEach((column, k) => {
      (entry as { totals: number[] }).totals[k] =
        ((entry as { totals: number[] }).totals[k] as number) + requiredNumber(r, column, 'reviews', i);
    });
  });
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([shuttle_id, { count, totals }]) => ({
      shuttle_id,
      review_count: count,
      review_scores_rating: round((totals[0] as number) / count, 4),
      review_scores_comfort: round((totals[1] as number) / count, 4),
      review_scores_amenities: round((totals[2] as number) / count, 4),
      review_scores_crew: round((totals[3] as number) / count, 4),
      review_scores_value: round((totals[4] as number) / count, 4),
    }));
}

/**
 * Joins shuttles with their company and their review summary. Shuttles whose company is unknown
 * or that have no reviews are left out (counted in the result).
 */
export function joinModelInput(
  shuttleRows: readonly CsvRow[],
  companyRows: readonly CsvRow[],
  reviews: readonly ReviewSummary[],
): { rows: ModelInputRow[]; withoutCompany: number; withoutReviews: number } {
  const companies = new Map<string, CsvRow & { __index: number }>();
  companyRows.forEach((c, i) => {
    companies.set(text(c, 'id', 'preprocessed_companies', i), { ...c, __index: i });
  });
  const reviewsById = new Map(reviews.map((r) => [r.shuttle_id, r]));
  const rows: ModelInputRow[] = [];
  let withoutCompany = 0;
  let withoutReviews = 0;
  shuttleRows.forEach((s, i) => {
    const ds = 'preprocessed_shuttles';
    const company = companies.get(text(s, 'company_id', ds, i));
    if (company === undefined) {
      withoutCompany++;
      return;
    }
    const review = reviewsById.get(text(s, 'id', ds, i));
    if (review === undefined) {
      withoutReviews++;
      return;
    }
    const ci = company.__index;
    const dc = 'preprocessed_companies';
    const { shuttle_id: _id, ...scores } = review;
    rows.push({
      id: text(s, 'id', ds, i),
      shuttle_type: text(s, 'shuttle_type', ds, i),
      engine_type: text(s, 'engine_type', ds, i),
      engines: requiredNumber(s, 'engines', ds, i),
      passenger_capacity: requiredNumber(s, 'passenger_capacity', ds, i),
      crew: requiredNumber(s, 'crew', ds, i),
      d_check_complete: bool(s, 'd_check_complete', ds, i),
      moon_clearance_complete: bool(s, 'moon_clearance_complete', ds, i),
      price: requiredNumber(s, 'price', ds, i),
      company_id: text(s, 'company_id', ds, i),
      company_rating: requiredNumber(company, 'company_rating', dc, ci),
      company_location: text(company, 'company_location', dc, ci),
      iata_approved: bool(company, 'iata_approved', dc, ci),
      ...scores,
    });
  });
  return { rows, withoutCompany, withoutReviews };
}

/**
 * Builds the feature matrix of `features` from model-input rows (as loaded from CSV). Derived
 * features: `engine_type_<type>` (one-hot, lower case) and booleans as 0/1.
 */
export function buildFeatures(rows: readonly CsvRow[], features: readonly string[]): FeatureSet {
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
    throw new DemoDataError(`params:model_options.test_size must be in (0, 1), got ${testSize}`);
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

/** Fits ordinary least squares on a training set. */
export function trainLinear(train: FeatureSet): LinearModel {
  return fitLinearModel(train.X, train.y, train.features, { name: 'linear_regression' });
}

/** Seed of the cross-validation folds. */
export function cvSeed(options: ModelOptions): string {
  return `${options.random_state}/cv`;
}

/** Picks the ridge penalty by cross-validation, then fits on the whole training set. */
export function trainRidge(
  train: FeatureSet,
  options: ModelOptions,
): { model: LinearModel; scores: readonly { alpha: number; rmse: number }[] } {
  const cv = crossValidateAlpha(
    train.X,
    train.y,
    train.features,
    options.alphas,
    options.cv_folds,
    cvSeed(options),
  );
  const model = fitLinearModel(train.X, train.y, train.features, {
    name: 'ridge_regression',
    alpha: cv.bestAlpha,
  });
  return { model, scores: cv.scores };
}

/** Metrics of a model on a test set, rounded for stable reports. */
export function evaluate(model: LinearModel, test: FeatureSet): RegressionMetrics & { model: string } {
  const m = regressionMetrics(test.y, predict(model, test.X));
  return { model: model.name, r2: round(m.r2, 6), mae: round(m.mae, 4), rmse: round(m.rmse, 4), n: m.n };
}

/** A short profile of the model-input table: size, price distribution, mean price per engine type. */
export function profileTable(rows: readonly CsvRow[]): {
  rows: number;
  price: { min: number; median: number; mean: number; max: number };
  meanPriceByEngineType: Record<string, number>;
} {
  if (rows.length === 0) throw new DemoDataError("Dataset 'model_input_table' is empty");
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

/**
 * A small linear / ridge regression in plain TypeScript: standardised features, the normal
 * equations solved by Cholesky decomposition, k-fold cross-validation of the ridge penalty, and
 * the usual metrics (R², MAE, RMSE). Models are plain JSON objects, so they can be saved by a
 * JSON dataset and sent to worker threads.
 *
 * @module
 */
import { ModelFitError } from '../../errors.js';
import { Prng } from '../../prng.js';

/** A fitted linear model (plain JSON). Predictions are `intercept + Σ coef_j · (x_j − mean_j) / scale_j`. */
export interface LinearModel {
  /** Model name, e.g. `linear_regression` or `ridge_regression`. */
  readonly name: string;
  /** Feature names, in column order. */
  readonly features: readonly string[];
  /** Coefficients on the standardised features. */
  readonly coefficients: readonly number[];
  /** Intercept (the mean of the target). */
  readonly intercept: number;
  /** Training means of the features. */
  readonly means: readonly number[];
  /** Training standard deviations of the features. */
  readonly scales: readonly number[];
  /** Ridge penalty (0 for ordinary least squares). */
  readonly alpha: number;
  /** Number of training rows. */
  readonly trainedOn: number;
}

/** Regression metrics. */
export interface RegressionMetrics {
  /** Coefficient of determination. */
  readonly r2: number;
  /** Mean absolute error. */
  readonly mae: number;
  /** Root mean squared error. */
  readonly rmse: number;
  /** Number of rows evaluated. */
  readonly n: number;
}

/** Options of {@link fitLinearModel}. */
export interface FitOptions {
  /** Model name used in errors and in the result; default `linear_regression`. */
  readonly name?: string;
  /** Ridge penalty on the standardised coefficients (the intercept is never penalised); default 0. */
  readonly alpha?: number;
}

/**
 * Fits `y ≈ X·β` by the normal equations `(ZᵀZ + αI)β = Zᵀ(y − ȳ)` on standardised columns `Z`.
 *
 * @throws {ModelFitError} with fewer rows than features + 1, ragged rows, non-finite values, a
 * constant feature under plain least squares, or a singular system; the message names the model.
 */
export function fitLinearModel(
  X: readonly (readonly number[])[],
  y: readonly number[],
  features: readonly string[],
  options: FitOptions = {},
): LinearModel {
  const name = options.name ?? 'linear_regression';
  const alpha = options.alpha ?? 0;
  const n = X.length;
  const p = features.length;
  if (!(alpha >= 0) || !Number.isFinite(alpha)) {
    throw new ModelFitError(`Cannot fit '${name}': alpha must be a finite number >= 0, got ${alpha}`);
  }
  if (y.length !== n) {
    throw new ModelFitError(`Cannot fit '${name}': ${n} feature rows but ${y.length} targets`);
  }
  if (n < p + 1) {
    throw new ModelFitError(
      `Cannot fit '${name}': ${n} rows are too few for ${p} features (need at least ${p + 1})`,
    );
  }
  for (let i = 0; i < n; i++) {
    const row = X[i] as readonly number[];
    if (row.length !== p) {
      throw new ModelFitError(`Cannot fit '${name}': row ${i} has ${row.length} values, expected ${p}`);
    }
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(row[j])) {
        throw new ModelFitError(
          `Cannot fit '${name}': feature '${features[j]}' is not a finite number in row ${i}`,
        );
      }
    }
    if (!Number.isFinite(y[i]))
      throw new ModelFitError(`Cannot fit '${name}': target is not a finite number in row ${i}`);
  }

  const means = new Array<number>(p).fill(0);
  const scales = new Array<number>(p).fill(0);
  for (const row of X) for (let j = 0; j < p; j++) means[j] = (means[j] as number) + (row[j] as number) / n;
  for (const row of X)
    for (let j = 0; j < p; j++)
      scales[j] = (scales[j] as number) + ((row[j] as number) - (means[j] as number)) ** 2 / n;
  for (let j = 0; j < p; j++) {
    const sd = Math.sqrt(scales[j] as number);
    if (sd === 0) {
      if (alpha === 0) {
        throw new ModelFitError(
          `Cannot fit '${name}': feature '${features[j]}' is constant in the training data`,
        );
      }
      scales[j] = 1;
    } else {
      scales[j] = sd;
    }
  }
  const yMean = y.reduce((s, v) => s + v, 0) / n;

  // Gram matrix A = ZᵀZ + αI and right-hand side b = Zᵀ(y − ȳ).
  const A: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const b = new Array<number>(p).fill(0);
  const z = new Array<number>(p);
  for (let i = 0; i < n; i++) {
    const row = X[i] as readonly number[];
    for (let j = 0; j < p; j++) z[j] = ((row[j] as number) - (means[j] as number)) / (scales[j] as number);
    const r = (y[i] as number) - yMean;
    for (let j = 0; j < p; j++) {
      const zj = z[j] as number;
      b[j] = (b[j] as number) + zj * r;
      const Aj = A[j] as number[];
      for (let k = 0; k <= j; k++) Aj[k] = (Aj[k] as number) + zj * (z[k] as number);
    }
  }
  for (let j = 0; j < p; j++) {
    const Aj = A[j] as number[];
    Aj[j] = (Aj[j] as number) + alpha;
    for (let k = 0; k < j; k++) (A[k] as number[])[j] = Aj[k] as number;
  }
  const coefficients = choleskySolve(A, b, name, features);
  return {
    name,
    features: [...features],
    coefficients,
    intercept: yMean,
    means,
    scales,
    alpha,
    trainedOn: n,
  };
}

/** Predictions of `model` for the rows of `X`. */
export function predict(model: LinearModel, X: readonly (readonly number[])[]): number[] {
  const p = model.features.length;
  return X.map((row, i) => {
    if (row.length !== p) {
      throw new ModelFitError(
        `Cannot predict with '${model.name}': row ${i} has ${row.length} values, expected ${p}`,
      );
    }
    let s = model.intercept;
    for (let j = 0; j < p; j++) {
      s +=
        ((model.coefficients[j] as number) * ((row[j] as number) - (model.means[j] as number))) /
        (model.scales[j] as number);
    }
    return s;
  });
}

/** R², MAE and RMSE of predictions against the truth. */
export function regressionMetrics(yTrue: readonly number[], yPred: readonly number[]): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0 || yPred.length !== n) {
    throw new RangeError(
      `regressionMetrics needs two equally long, non-empty lists (got ${n} and ${yPred.length})`,
    );
  }
  const mean = yTrue.reduce((s, v) => s + v, 0) / n;
  let ssRes = 0;
  let ssTot = 0;
  let abs = 0;
  for (let i = 0; i < n; i++) {
    const e = (yTrue[i] as number) - (yPred[i] as number);
    ssRes += e * e;
    ssTot += ((yTrue[i] as number) - mean) ** 2;
    abs += Math.abs(e);
  }
  return { r2: ssTot === 0 ? 0 : 1 - ssRes / ssTot, mae: abs / n, rmse: Math.sqrt(ssRes / n), n };
}

/** Result of {@link crossValidateAlpha}. */
export interface CrossValidation {
  /** The penalty with the lowest mean validation RMSE. */
  readonly bestAlpha: number;
  /** Mean validation RMSE of each candidate, in the order given. */
  readonly scores: readonly { readonly alpha: number; readonly rmse: number }[];
}

/**
 * Assigns each of `n` rows to one of `folds` folds, from a seeded shuffle (the same on every run).
 *
 * @throws {ModelFitError} unless `folds` is an integer in [2, n].
 */
export function foldAssignments(n: number, folds: number, seed: string): number[] {
  if (!Number.isInteger(folds) || folds < 2 || folds > n) {
    throw new ModelFitError(
      `Cannot cross-validate ridge_regression: folds must be an integer in [2, ${n}], got ${folds}`,
    );
  }
  const order = new Prng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const foldOf = new Array<number>(n);
  order.forEach((row, position) => {
    foldOf[row] = position % folds;
  });
  return foldOf;
}

/** Validation RMSE of a ridge fit on every fold but `fold`, scored on `fold`. */
export function foldValidationRmse(
  X: readonly (readonly number[])[],
  y: readonly number[],
  features: readonly string[],
  alpha: number,
  foldOf: readonly number[],
  fold: number,
): number {
  const trainX: (readonly number[])[] = [];
  const trainY: number[] = [];
  const validX: (readonly number[])[] = [];
  const validY: number[] = [];
  for (let i = 0; i < X.length; i++) {
    if (foldOf[i] === fold) {
      validX.push(X[i] as readonly number[]);
      validY.push(y[i] as number);
    } else {
      trainX.push(X[i] as readonly number[]);
      trainY.push(y[i] as number);
    }
  }
  const model = fitLinearModel(trainX, trainY, features, { name: 'ridge_regression', alpha });
  return regressionMetrics(validY, predict(model, validX)).rmse;
}

/**
 * The cross-validation result from per-fold scores: `foldRmse[a][f]` is the validation RMSE of
 * `alphas[a]` on fold `f`. Ties go to the first (smallest listed) alpha.
 */
export function summarizeCrossValidation(
  alphas: readonly number[],
  foldRmse: readonly (readonly number[])[],
): CrossValidation {
  const scores = alphas.map((alpha, a) => {
    const row = foldRmse[a] ?? [];
    return { alpha, rmse: row.reduce((s, v) => s + v, 0) / row.length };
  });
  let best = scores[0] as { alpha: number; rmse: number };
  for (const s of scores) if (s.rmse < best.rmse) best = s;
  return { bestAlpha: best.alpha, scores };
}

/**
 * Picks the ridge penalty by k-fold cross-validation (folds from a seeded shuffle, so the choice is
 * the same on every run).
 */
export function crossValidateAlpha(
  X: readonly (readonly number[])[],
  y: readonly number[],
  features: readonly string[],
  alphas: readonly number[],
  folds: number,
  seed: string,
): CrossValidation {
  if (alphas.length === 0) throw new ModelFitError('Cannot cross-validate ridge_regression: no alphas given');
  const foldOf = foldAssignments(X.length, folds, seed);
  const foldRmse = alphas.map((alpha) =>
    Array.from({ length: folds }, (_, f) => foldValidationRmse(X, y, features, alpha, foldOf, f)),
  );
  return summarizeCrossValidation(alphas, foldRmse);
}

/** Solves `A x = b` for a symmetric positive-definite `A` (Cholesky, `A = L Lᵀ`). */
function choleskySolve(A: number[][], b: number[], name: string, features: readonly string[]): number[] {
  const p = b.length;
  const L: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let i = 0; i < p; i++) {
    const Li = L[i] as number[];
    for (let j = 0; j <= i; j++) {
      const Lj = L[j] as number[];
      let s = (A[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) s -= (Li[k] as number) * (Lj[k] as number);
      if (i === j) {
        if (!(s > 1e-9 * Math.max(1, Math.abs((A[i] as number[])[i] as number)))) {
          throw new ModelFitError(
            `Cannot fit '${name}': the normal equations are singular (feature '${features[i]}' is a linear combination of the others); try a ridge penalty`,
          );
        }
        Li[i] = Math.sqrt(s);
      } else {
        Li[j] = s / (Lj[j] as number);
      }
    }
  }
  const yv = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= ((L[i] as number[])[k] as number) * (yv[k] as number);
    yv[i] = s / ((L[i] as number[])[i] as number);
  }
  const x = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = yv[i] as number;
    for (let k = i + 1; k < p; k++) s -= ((L[k] as number[])[i] as number) * (x[k] as number);
    x[i] = s / ((L[i] as number[])[i] as number);
  }
  return x;
}

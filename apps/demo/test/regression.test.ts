import { describe, expect, it } from 'vitest';
import { ModelFitError } from '../src/errors.js';
import {
  crossValidateAlpha,
  fitLinearModel,
  predict,
  regressionMetrics,
} from '../src/pipelines/data_science/regression.js';
import { Prng } from '../src/prng.js';

function linearData(n: number, noise: number, seed = 'lin') {
  const r = new Prng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = r.uniform(0, 10);
    const b = r.uniform(-5, 5);
    const c = r.chance(0.5) ? 1 : 0;
    X.push([a, b, c]);
    y.push(3 + 2 * a - 4 * b + 7 * c + r.normal(0, noise));
  }
  return { X, y, features: ['a', 'b', 'c'] };
}

describe('fitLinearModel', () => {
  it('recovers the coefficients of exactly linear data', () => {
    const { X, y, features } = linearData(200, 0);
    const model = fitLinearModel(X, y, features);
    const pred = predict(model, [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(pred[0]).toBeCloseTo(3, 8);
    expect((pred[1] as number) - (pred[0] as number)).toBeCloseTo(2, 8);
    expect((pred[2] as number) - (pred[0] as number)).toBeCloseTo(-4, 8);
    expect((pred[3] as number) - (pred[0] as number)).toBeCloseTo(7, 8);
    const m = regressionMetrics(y, predict(model, X));
    expect(m.r2).toBeCloseTo(1, 10);
    expect(m.rmse).toBeLessThan(1e-8);
  });

  it('shrinks coefficients under a ridge penalty', () => {
    const { X, y, features } = linearData(100, 1);
    const ols = fitLinearModel(X, y, features);
    const ridge = fitLinearModel(X, y, features, { alpha: 500, name: 'ridge' });
    const norm = (c: readonly number[]) => Math.hypot(...c);
    expect(norm(ridge.coefficients)).toBeLessThan(norm(ols.coefficients) / 2);
    expect(ridge.name).toBe('ridge');
    expect(ridge.alpha).toBe(500);
  });

  it('refuses data it cannot fit, naming the model and the feature', () => {
    const { X, y, features } = linearData(20, 1);
    expect(() => fitLinearModel(X.slice(0, 3), y.slice(0, 3), features)).toThrow(
      "Cannot fit 'linear_regression': 3 rows are too few for 3 features (need at least 4)",
    );
    const constant = X.map((row) => [row[0] as number, 5, row[2] as number]);
    expect(() => fitLinearModel(constant, y, features, { name: 'm' })).toThrow(
      "Cannot fit 'm': feature 'b' is constant in the training data",
    );
    const collinear = X.map((row) => [row[0] as number, 2 * (row[0] as number), row[2] as number]);
    expect(() => fitLinearModel(collinear, y, features)).toThrow(/singular.*feature 'b'/);
    const bad = X.map((row, i) => (i === 4 ? [Number.NaN, row[1] as number, row[2] as number] : row));
    expect(() => fitLinearModel(bad, y, features)).toThrow("feature 'a' is not a finite number in row 4");
    expect(() => fitLinearModel(X, y.slice(1), features)).toThrow(ModelFitError);
  });
});

describe('regressionMetrics', () => {
  it('computes R², MAE and RMSE', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 2, 3, 6]);
    expect(m.mae).toBeCloseTo(0.5);
    expect(m.rmse).toBeCloseTo(1);
    expect(m.r2).toBeCloseTo(1 - 4 / 5);
    expect(m.n).toBe(4);
    expect(() => regressionMetrics([], [])).toThrow(RangeError);
  });
});

describe('crossValidateAlpha', () => {
  it('prefers a small penalty on clean data and is deterministic', () => {
    const { X, y, features } = linearData(150, 0.5, 'cv');
    const a = crossValidateAlpha(X, y, features, [0, 1, 1000], 5, 'folds');
    const b = crossValidateAlpha(X, y, features, [0, 1, 1000], 5, 'folds');
    expect(a).toEqual(b);
    expect(a.bestAlpha).not.toBe(1000);
    expect(a.scores.map((s) => s.alpha)).toEqual([0, 1, 1000]);
    expect(() => crossValidateAlpha(X, y, features, [], 5, 's')).toThrow(/no alphas/);
    expect(() => crossValidateAlpha(X, y, features, [1], 1, 's')).toThrow(/folds must be an integer/);
  });
});

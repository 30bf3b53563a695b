import { disableRunLogger, MissingContextError } from '@weft/prefect-bridge';
import { describe, expect, it } from 'vitest';
import { median } from '../src/columns.js';
import { tenantVar } from '../src/context.js';
import { buildFeatures, profileTable, trainTestSplit } from '../src/pipelines/data_science/modelling.js';
import {
  buildReport,
  evaluateModel,
  profileModelInput,
  splitData,
  trainModel,
} from '../src/pipelines/data_science/nodes.js';
import { Prng } from '../src/prng.js';

describe('features and split', () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({
    id: String(i),
    engine_type: i % 2 === 0 ? 'Quantum' : 'Nuclear',
    engines: String(i),
    d_check_complete: i % 3 === 0 ? 'true' : 'false',
    price: String(1000 + i),
  }));

  it('one-hot encodes the engine type and turns booleans into 0/1', () => {
    const f = buildFeatures(rows, ['engines', 'd_check_complete', 'engine_type_quantum']);
    expect(f.X[0]).toEqual([0, 1, 1]);
    expect(f.X[1]).toEqual([1, 0, 0]);
    expect(f.y[9]).toBe(1009);
  });

  it('splits deterministically into disjoint train and test sets', () => {
    const f = buildFeatures(rows, ['engines']);
    const a = trainTestSplit(f, 0.3, 's');
    expect(trainTestSplit(f, 0.3, 's')).toEqual(a);
    expect(a.test.ids).toHaveLength(3);
    expect(a.train.ids).toHaveLength(7);
    expect(new Set([...a.train.ids, ...a.test.ids]).size).toBe(10);
    expect(() => trainTestSplit(f, 1, 's')).toThrow(
      'params:split_options.test_size must be in (0, 1), got 1',
    );
  });

  it('profiles the table', () => {
    const p = profileTable(rows);
    expect(p.rows).toBe(10);
    expect(p.price).toEqual({ min: 1000, median: 1004.5, mean: 1004.5, max: 1009 });
    expect(Object.keys(p.meanPriceByEngineType)).toEqual(['Nuclear', 'Quantum']);
    expect(median([3, 1, 2])).toBe(2);
  });
});

/** Rows of a model-input table whose price follows engines and crew, plus noise. */
function table(n: number) {
  const r = new Prng('table');
  return Array.from({ length: n }, (_, i) => {
    const engines = r.int(1, 4);
    const crew = r.int(1, 8);
    return {
      id: String(i),
      engine_type: r.pick(['Quantum', 'Plasma', 'Nuclear']),
      engines,
      crew,
      price: 500 + 150 * engines + 60 * crew + r.normal(0, 20),
    };
  });
}

const SPLIT = { test_size: 0.25, random_state: 's', features: ['engines', 'crew', 'engine_type_quantum'] };
const CV = { max_workers: 2, propagate_context: true };

describe('the data science nodes', () => {
  it('split, train both candidates (one alpha as given, several cross-validated), evaluate, report', async () => {
    await disableRunLogger(async () => {
      const rows = table(120);
      const [train, test] = splitData(rows, SPLIT);
      expect(train.X).toHaveLength(90);
      const linear = await trainModel(
        train,
        { name: 'linear_regression', alphas: [0], cv_folds: 5, cv_seed: 'cv' },
        CV,
      );
      expect(linear.alpha).toBe(0);
      const ridge = await trainModel(
        train,
        { name: 'ridge_regression', alphas: [0, 1, 10, 1000], cv_folds: 5, cv_seed: 'cv' },
        CV,
      );
      expect([0, 1, 10]).toContain(ridge.alpha); // a huge penalty never wins on clean linear data
      const a = evaluateModel(linear, test);
      const b = evaluateModel(ridge, test);
      expect(a.r2).toBeGreaterThan(0.9);
      const profile = profileModelInput(rows);
      expect(profile.tenant).toBe('(not set)');
      const report = buildReport(a, b, linear, ridge, profile);
      expect(Object.keys(report.models)).toEqual(['linear_regression', 'ridge_regression']);
      expect(report.best_model).toBe(a.rmse <= b.rmse ? 'linear_regression' : 'ridge_regression');
      expect(Object.keys(report.coefficients)).toEqual(SPLIT.features);
    });
  });

  it('reads the tenant set before the run', () => {
    disableRunLogger(() =>
      tenantVar.run('globex', () => expect(profileModelInput(table(10)).tenant).toBe('globex')),
    );
  });

  it('cross-validation fits on an executor without context cannot find the run: MissingContextError', async () => {
    // the run logger is off in this test's context; without propagation the fits do not see that either
    await disableRunLogger(async () => {
      const [train] = splitData(table(60), SPLIT);
      const options = { name: 'ridge_regression', alphas: [0, 1], cv_folds: 3, cv_seed: 'cv' };
      await expect(trainModel(train, options, { max_workers: 2, propagate_context: false })).rejects.toThrow(
        MissingContextError,
      );
      await expect(trainModel(train, options, CV)).resolves.toMatchObject({ name: 'ridge_regression' });
    });
  });
});

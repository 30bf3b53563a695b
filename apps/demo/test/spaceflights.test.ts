import { describe, expect, it } from 'vitest';
import { DemoDataError } from '../src/errors.js';
import {
  buildFeatures,
  cleanCompanies,
  cleanShuttles,
  joinModelInput,
  median,
  profileTable,
  summarizeReviews,
  trainTestSplit,
} from '../src/spaceflights.js';

const shuttle = (over: Record<string, string> = {}) => ({
  id: '1',
  shuttle_location: 'Niue',
  shuttle_type: 'Type V5',
  engine_type: 'Quantum',
  engine_vendor: 'ThetaBase Services',
  engines: '2',
  passenger_capacity: '4',
  cancellation_policy: 'strict',
  crew: '3',
  d_check_complete: 't',
  moon_clearance_complete: 'f',
  price: '$1,325.0',
  company_id: '9',
  ...over,
});

describe('cleaning', () => {
  it('parses the messy raw formats and imputes blank ratings with the median', () => {
    const { companies, imputedRatings, medianRating } = cleanCompanies([
      {
        id: '1',
        company_rating: '90%',
        company_location: 'Niue',
        total_fleet_count: '2',
        iata_approved: 't',
      },
      { id: '2', company_rating: '', company_location: 'Malta', total_fleet_count: '1', iata_approved: 'f' },
      {
        id: '3',
        company_rating: '70%',
        company_location: 'Chile',
        total_fleet_count: '4',
        iata_approved: 'f',
      },
    ]);
    expect(imputedRatings).toBe(1);
    expect(medianRating).toBeCloseTo(0.8);
    expect(companies.map((c) => c.company_rating)).toEqual([0.9, 0.8, 0.7]);
    expect(companies.map((c) => c.iata_approved)).toEqual([true, false, false]);

    const { shuttles, dropped } = cleanShuttles([shuttle(), shuttle({ id: '2', crew: '' })]);
    expect(dropped).toBe(1);
    expect(shuttles).toHaveLength(1);
    expect(shuttles[0]).toMatchObject({
      price: 1325,
      engines: 2,
      d_check_complete: true,
      moon_clearance_complete: false,
    });
  });

  it('names the dataset, row and column of a bad value', () => {
    expect(() => cleanShuttles([shuttle(), shuttle({ price: 'lots' })])).toThrow(
      new DemoDataError("Dataset 'shuttles' row 2 column 'price': 'lots' is not a number"),
    );
    expect(() => cleanShuttles([shuttle({ d_check_complete: 'maybe' })])).toThrow(
      "Dataset 'shuttles' row 1 column 'd_check_complete': 'maybe' is not a boolean",
    );
    const { company_location: _, ...noLocation } = {
      id: '1',
      company_rating: '90%',
      company_location: 'x',
      total_fleet_count: '1',
      iata_approved: 't',
    };
    expect(() => cleanCompanies([noLocation])).toThrow(
      "Dataset 'companies' row 1 has no column 'company_location'",
    );
  });

  it('aggregates reviews per shuttle and joins the three tables (fan-in)', () => {
    const reviews = summarizeReviews([
      {
        shuttle_id: '1',
        review_scores_rating: '80',
        review_scores_comfort: '8',
        review_scores_amenities: '6',
        review_scores_crew: '9',
        review_scores_value: '7',
      },
      {
        shuttle_id: '1',
        review_scores_rating: '90',
        review_scores_comfort: '6',
        review_scores_amenities: '8',
        review_scores_crew: '7',
        review_scores_value: '9',
      },
    ]);
    expect(reviews).toEqual([
      {
        shuttle_id: '1',
        review_count: 2,
        review_scores_rating: 85,
        review_scores_comfort: 7,
        review_scores_amenities: 7,
        review_scores_crew: 8,
        review_scores_value: 8,
      },
    ]);
    const shuttles = [
      { ...shuttle(), price: '1325', d_check_complete: 'true', moon_clearance_complete: 'false' },
      { ...shuttle({ id: '2' }), price: '900', d_check_complete: 'true', moon_clearance_complete: 'false' },
      {
        ...shuttle({ id: '3', company_id: '404' }),
        price: '900',
        d_check_complete: 'true',
        moon_clearance_complete: 'false',
      },
    ];
    const companies = [
      {
        id: '9',
        company_rating: '0.9',
        company_location: 'Niue',
        total_fleet_count: '1',
        iata_approved: 'true',
      },
    ];
    const joined = joinModelInput(shuttles, companies, reviews);
    expect(joined.withoutReviews).toBe(1);
    expect(joined.withoutCompany).toBe(1);
    expect(joined.rows).toHaveLength(1);
    expect(joined.rows[0]).toMatchObject({
      id: '1',
      price: 1325,
      company_rating: 0.9,
      iata_approved: true,
      review_count: 2,
    });
  });
});

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
      'params:model_options.test_size must be in (0, 1), got 1',
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

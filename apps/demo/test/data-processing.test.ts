import { disableRunLogger } from '@weft/prefect-bridge';
import { describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import {
  cleanCompanies,
  cleanShuttles,
  joinModelInput,
  summarizeReviews,
} from '../src/pipelines/data_processing/cleaning.js';
import {
  aggregateReviews,
  createModelInputTable,
  preprocessCompanies,
  preprocessShuttles,
} from '../src/pipelines/data_processing/nodes.js';

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
      new DataError("Dataset 'shuttles' row 2 column 'price': 'lots' is not a number"),
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

describe('the data processing nodes', () => {
  it('clean, aggregate and join the raw rows (run outside a pipeline with the run logger off)', () => {
    disableRunLogger(() => {
      const companies = preprocessCompanies([
        {
          id: '9',
          company_rating: '90%',
          company_location: 'Niue',
          total_fleet_count: '2',
          iata_approved: 't',
        },
      ]);
      const shuttles = preprocessShuttles([shuttle(), shuttle({ id: '2', engines: '' })]);
      expect(shuttles.map((s) => s.id)).toEqual(['1']);
      const reviews = aggregateReviews([
        {
          shuttle_id: '1',
          review_scores_rating: '80',
          review_scores_comfort: '8',
          review_scores_amenities: '6',
          review_scores_crew: '9',
          review_scores_value: '7',
        },
      ]);
      // the cleaned tables reach the join as they are saved: JSON, typed values
      const table = createModelInputTable(
        JSON.parse(JSON.stringify(shuttles)),
        JSON.parse(JSON.stringify(companies)),
        reviews,
      );
      expect(table).toEqual([
        expect.objectContaining({
          id: '1',
          price: 1325,
          company_rating: 0.9,
          iata_approved: true,
          review_count: 1,
        }),
      ]);
    });
  });
});

/**
 * The data logic of the data processing pipeline, as pure functions (no I/O, no logging): cleaning
 * the raw tables and joining them into the model-input table. The nodes in `nodes.ts` wrap these
 * and log what they did.
 *
 * @module
 */
import { bool, median, optionalNumber, type Row, requiredNumber, round, text } from '../../columns.js';

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

/** Cleans the companies: `90%` → 0.9 (blanks imputed with the median), `t`/`f` → booleans. */
export function cleanCompanies(rows: readonly Row[]): {
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
export function cleanShuttles(rows: readonly Row[]): { shuttles: Shuttle[]; dropped: number } {
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
export function summarizeReviews(rows: readonly Row[]): ReviewSummary[] {
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
  shuttleRows: readonly Row[],
  companyRows: readonly Row[],
  reviews: readonly ReviewSummary[],
): { rows: ModelInputRow[]; withoutCompany: number; withoutReviews: number } {
  const companies = new Map<string, Row & { __index: number }>();
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

/**
 * Deterministic synthetic input data in the spirit of Kedro's spaceflights tutorial: space
 * companies, the shuttles they rent out, and passenger reviews of those shuttles. The raw rows are
 * messy the way the tutorial's are (prices as `$1,325.0`, ratings as `90%`, booleans as `t`/`f`, a
 * few blanks), and a shuttle's price follows a hidden linear rule plus noise, so a regression
 * trained on the cleaned data has something real to find.
 *
 * @module
 */
import { Prng } from '../src/prng.js';

/** A raw row of `companies.csv`. */
export interface RawCompany {
  id: string;
  company_rating: string;
  company_location: string;
  total_fleet_count: string;
  iata_approved: string;
}

/** A raw row of `shuttles.csv`. */
export interface RawShuttle {
  id: string;
  shuttle_location: string;
  shuttle_type: string;
  engine_type: string;
  engine_vendor: string;
  engines: string;
  passenger_capacity: string;
  cancellation_policy: string;
  crew: string;
  d_check_complete: string;
  moon_clearance_complete: string;
  price: string;
  company_id: string;
}

/** A raw row of `reviews.csv`. */
export interface RawReview {
  review_id: string;
  shuttle_id: string;
  review_scores_rating: string;
  review_scores_comfort: string;
  review_scores_amenities: string;
  review_scores_crew: string;
  review_scores_value: string;
}

/** The three raw tables. */
export interface SpaceflightsData {
  companies: RawCompany[];
  shuttles: RawShuttle[];
  reviews: RawReview[];
}

/** Sizes and seed of the generated data. */
export interface SyntheticDataOptions {
  /** Seed of the generator; default `'weft-spaceflights'`. */
  seed?: string;
  /** Number of companies; default 600. */
  companies?: number;
  /** Number of shuttles; default 1800. */
  shuttles?: number;
  /** Average number of reviews per shuttle; default 2. */
  reviewsPerShuttle?: number;
}

/** Defaults of {@link SyntheticDataOptions}: about 6,000 rows in all. */
export const DEFAULT_SYNTHETIC_DATA = {
  seed: 'weft-spaceflights',
  companies: 600,
  shuttles: 1800,
  reviewsPerShuttle: 2,
} as const satisfies Required<SyntheticDataOptions>;

const LOCATIONS = [
  'Niue',
  'Anguilla',
  'Russian Federation',
  'Barbados',
  'Sao Tome and Principe',
  'Malta',
  'Faroe Islands',
  'Chile',
  'Kiribati',
  'Mongolia',
  'Iceland',
  'Tuvalu',
] as const;
const SHUTTLE_TYPES = ['Type V5', 'Type F5', 'Type V2', 'Type F2', 'Type F3'] as const;
const ENGINE_TYPES = ['Quantum', 'Plasma', 'Nuclear'] as const;
const ENGINE_VENDORS = [
  'ThetaBase Services',
  'Banks, Hoppe and Harris',
  'Orbital Forge',
  'Helix Propulsion',
  'Kuiper Works',
] as const;
const CANCELLATION = ['strict', 'moderate', 'flexible'] as const;

/** Price premium of each engine type in the hidden pricing rule. */
const ENGINE_PREMIUM: Readonly<Record<string, number>> = { Quantum: 320, Plasma: 160, Nuclear: 0 };

/**
 * Generates the three raw tables. Equal options give byte-identical tables.
 *
 * @example
 * ```ts
 * const { companies, shuttles, reviews } = generateSpaceflightsData({ seed: 'x', shuttles: 100 });
 * ```
 */
export function generateSpaceflightsData(options: SyntheticDataOptions = {}): SpaceflightsData {
  const seed = options.seed ?? DEFAULT_SYNTHETIC_DATA.seed;
  const nCompanies = positiveInt(options.companies ?? DEFAULT_SYNTHETIC_DATA.companies, 'companies');
  const nShuttles = positiveInt(options.shuttles ?? DEFAULT_SYNTHETIC_DATA.shuttles, 'shuttles');
  const perShuttle = options.reviewsPerShuttle ?? DEFAULT_SYNTHETIC_DATA.reviewsPerShuttle;
  if (!(perShuttle >= 0) || !Number.isFinite(perShuttle)) {
    throw new RangeError(`reviewsPerShuttle must be a finite number >= 0, got ${perShuttle}`);
  }
  const rng = new Prng(seed);

  const companies: RawCompany[] = [];
  const companyRating = new Map<string, number>();
  const companyIata = new Map<string, boolean>();
  for (let i = 0; i < nCompanies; i++) {
    const id = String(30000 + i * 7);
    const rating = Math.min(100, Math.max(40, Math.round(rng.normal(85, 9))));
    const iata = rng.chance(0.6);
    companyRating.set(id, rating);
    companyIata.set(id, iata);
    companies.push({
      id,
      company_rating: rng.chance(0.04) ? '' : `${rating}%`,
      company_location: rng.pick(LOCATIONS),
      total_fleet_count: String(rng.int(1, 8)),
      iata_approved: iata ? 't' : 'f',
    });
  }

  const shuttles: RawShuttle[] = [];
  const reviews: RawReview[] = [];
  let reviewId = 1;
  for (let i = 0; i < nShuttles; i++) {
    const id = String(60000 + i * 3);
    const company = companies[rng.int(0, nCompanies - 1)] as RawCompany;
    const engineType = rng.pick(ENGINE_TYPES, [3, 4, 3]);
    const engines = rng.int(1, 4);
    const capacity = rng.int(2, 12);
    const crew = Math.max(1, Math.min(8, Math.round(capacity / 2 + rng.normal(0, 1))));
    const dCheck = rng.chance(0.7);
    const moon = rng.chance(0.45);
    const quality = rng.normal(0, 12); // hidden: shows in reviews and in the price
    const price =
      650 +
      175 * engines +
      92 * capacity +
      58 * crew +
      140 * (dCheck ? 1 : 0) +
      215 * (moon ? 1 : 0) +
      7 * ((companyRating.get(company.id) ?? 85) - 85) +
      90 * (companyIata.get(company.id) ? 1 : 0) +
      (ENGINE_PREMIUM[engineType] ?? 0) +
      9 * quality +
      rng.normal(0, 150);
    shuttles.push({
      id,
      shuttle_location: rng.pick(LOCATIONS),
      shuttle_type: rng.pick(SHUTTLE_TYPES),
      engine_type: engineType,
      engine_vendor: rng.pick(ENGINE_VENDORS),
      engines: rng.chance(0.01) ? '' : String(engines),
      passenger_capacity: String(capacity),
      cancellation_policy: rng.pick(CANCELLATION, [2, 3, 2]),
      crew: rng.chance(0.015) ? '' : String(crew),
      d_check_complete: dCheck ? 't' : 'f',
      moon_clearance_complete: moon ? 't' : 'f',
      price: formatPrice(Math.max(120, price)),
      company_id: company.id,
    });
    const count = Math.max(0, Math.round(rng.normal(perShuttle, perShuttle / 2 + 0.5)));
    for (let r = 0; r < count; r++) {
      const score = (base: number, spread: number) =>
        String(Math.min(10, Math.max(1, Math.round(rng.normal(base + quality / 6, spread)))));
      reviews.push({
        review_id: String(reviewId++),
        shuttle_id: id,
        review_scores_rating: String(Math.min(100, Math.max(20, Math.round(rng.normal(72 + quality, 6))))),
        review_scores_comfort: score(7, 1.4),
        review_scores_amenities: score(6.5, 1.6),
        review_scores_crew: score(7.5, 1.2),
        review_scores_value: score(6.8, 1.5),
      });
    }
  }
  return { companies, shuttles, reviews };
}

/** `1325` → `$1,325.0`, the tutorial's price format. */
export function formatPrice(value: number): string {
  const [whole, frac] = value.toFixed(1).split('.') as [string, string];
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

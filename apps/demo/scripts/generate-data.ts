/**
 * Writes the raw input of the project, `data/01_raw/{companies,shuttles,reviews}.csv`: synthetic
 * spaceflights data from a seeded generator (`synthetic-data.ts`), the same on every machine. The
 * project ships these files; run this to make them again, or bigger:
 *
 * ```sh
 * npm run generate-data                                  # the shipped files
 * npm run generate-data -- --shuttles 100000 --companies 5000
 * ```
 *
 * @module
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CSVDataset } from '@weft/runner';
import {
  DEFAULT_SYNTHETIC_DATA,
  generateSpaceflightsData,
  type SyntheticDataOptions,
} from './synthetic-data.js';

/** The raw tables and their files, relative to the project folder. */
export const RAW_FILES = {
  companies: 'data/01_raw/companies.csv',
  shuttles: 'data/01_raw/shuttles.csv',
  reviews: 'data/01_raw/reviews.csv',
} as const;

/** Generates the raw tables and writes them under `projectDir`; resolves to the row counts. */
export async function writeRawData(
  projectDir: string,
  options: SyntheticDataOptions = {},
): Promise<Record<keyof typeof RAW_FILES, number>> {
  const data = generateSpaceflightsData(options);
  const names = Object.keys(RAW_FILES) as (keyof typeof RAW_FILES)[];
  await Promise.all(
    names.map((name) =>
      new CSVDataset({ filepath: join(projectDir, RAW_FILES[name]) }).save(data[name] as never),
    ),
  );
  return { companies: data.companies.length, shuttles: data.shuttles.length, reviews: data.reviews.length };
}

// run as a script (npm run generate-data), not imported (the tests import writeRawData)
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: DEFAULT_SYNTHETIC_DATA.seed },
      companies: { type: 'string', default: String(DEFAULT_SYNTHETIC_DATA.companies) },
      shuttles: { type: 'string', default: String(DEFAULT_SYNTHETIC_DATA.shuttles) },
      'reviews-per-shuttle': { type: 'string', default: String(DEFAULT_SYNTHETIC_DATA.reviewsPerShuttle) },
    },
  });
  const rows = await writeRawData(process.cwd(), {
    seed: values.seed,
    companies: Number(values.companies),
    shuttles: Number(values.shuttles),
    reviewsPerShuttle: Number(values['reviews-per-shuttle']),
  });
  console.log(
    `Wrote data/01_raw: ${rows.companies} companies, ${rows.shuttles} shuttles, ${rows.reviews} reviews`,
  );
}

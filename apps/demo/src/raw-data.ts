/**
 * Creates the raw input files on first run: deterministic synthetic data written as CSV under
 * `<data>/01_raw/`, nothing downloaded. Later runs find the files and leave them alone.
 *
 * @module
 */

import { join } from 'node:path';
import { CSVDataset } from '@weft/runner';
import { FILE_DATASETS } from './pipeline.js';
import { generateSpaceflightsData, type SyntheticDataOptions } from './synthetic-data.js';

/** What {@link ensureRawData} did. */
export interface RawDataStatus {
  /** Whether the files were generated now. */
  readonly generated: boolean;
  /** Rows per table (when generated). */
  readonly rows?: { companies: number; shuttles: number; reviews: number };
}

const RAW = ['companies', 'shuttles', 'reviews'] as const;

/** Generates the three raw CSV files under `dataDir` unless all of them exist. */
export async function ensureRawData(
  dataDir: string,
  options: SyntheticDataOptions = {},
): Promise<RawDataStatus> {
  const datasets = RAW.map(
    (name) =>
      new CSVDataset({ filepath: join(dataDir, (FILE_DATASETS[name] as readonly [string, string])[1]) }),
  );
  const present = await Promise.all(datasets.map((d) => d.exists()));
  if (present.every(Boolean)) return { generated: false };
  const data = generateSpaceflightsData(options);
  await Promise.all(RAW.map((name, i) => (datasets[i] as CSVDataset).save(data[name] as never)));
  return {
    generated: true,
    rows: { companies: data.companies.length, shuttles: data.shuttles.length, reviews: data.reviews.length },
  };
}

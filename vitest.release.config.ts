import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `pnpm test:release`: the release through a real registry (Verdaccio) with consumers on every
 * supported Node line (tools/release-check/test/release). It takes minutes, so `pnpm test` leaves
 * it out and `.ci/run` runs it on its own. Same settings and reporters as vitest.config.ts.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    projects: [
      {
        extends: true,
        test: {
          name: 'release',
          root: 'tools/release-check',
          include: ['test/release/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});

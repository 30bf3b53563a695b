import { defineConfig } from 'vitest/config';

/** Workspace packages resolve to their TypeScript sources through this export condition. */
const sourceCondition = '@weft/source';

const packages = ['contextvars', 'executor', 'runner', 'prefect-bridge'];

export default defineConfig({
  resolve: { conditions: [sourceCondition, 'import', 'node', 'default'] },
  environments: {
    ssr: { resolve: { conditions: [sourceCondition, 'import', 'node', 'default'] } },
  },
  test: {
    projects: packages.map((name) => ({
      extends: true,
      test: {
        name,
        root: `packages/${name}`,
        include: ['test/**/*.test.ts'],
      },
    })),
  },
});

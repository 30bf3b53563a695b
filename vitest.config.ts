import { defineConfig } from 'vitest/config';
import type { Reporter, TestModule } from 'vitest/node';

/** Workspace packages resolve to their TypeScript sources through this export condition. */
const sourceCondition = '@weft/source';

const packages = [
  'contextvars',
  'executor',
  'runner',
  'prefect-bridge',
  'distributed',
  'opentelemetry',
  'viz',
  'cli',
  'create',
];

/** Ends the run with one plain `N passed, N failed, N skipped` line, which CI logs are read for. */
const summaryLine: Reporter = {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
    }
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  },
};

/**
 * Resolve conditions. Vitest hands them to Node as `--conditions` flags of the test processes
 * (and worker threads inherit them), so they must not name conditions Node sets per import kind:
 * a user condition `import` makes every `require()` match `import` branches, and tsx (on Nodes
 * with `module.registerHooks`) then takes each `require()` of a JSON file for an import and
 * compiles it to an ES module that Node's CommonJS loader cannot parse (every worker-thread test
 * failed on Node 22.23, 24 and 26). `module` would send Node to bundler-only builds. Vite applies
 * `import`/`require` itself.
 */
const conditions = [sourceCondition, 'node', 'default'];

/**
 * Extra Node flags for every test process, e.g. `--no-async-context-frame`: the test matrix
 * (`scripts/test-matrix.mjs --als-modes`) sets them. Projects with their own `execArgv` add to them.
 */
const nodeFlags = (process.env.WEFT_TEST_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');

export default defineConfig({
  resolve: { conditions },
  environments: {
    ssr: { resolve: { conditions } },
    // Vitest's own environment, where global setup files run (in the main process): without the
    // condition, a workspace package they import resolves to its dist/, absent on a fresh clone.
    __vitest__: { resolve: { conditions } },
  },
  test: {
    reporters: ['default', summaryLine],
    // CI and contributors' machines are often loaded (2 cores running worker threads, Redis, a
    // Prefect server and Chromium at once): a test is bounded generously, never timed. Speed is
    // measured in bench/, not here.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    execArgv: nodeFlags,
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name,
          root: `packages/${name}`,
          include: ['test/**/*.test.ts'],
          // prefect-bridge: starts one real Prefect server (pip-installed into .cache/) for its tests;
          // cli: builds the weft bin its end-to-end tests run (tsc -b, a no-op when up to date);
          // opentelemetry: starts one real Jaeger (built with Go into .cache/, scripts/jaeger.mjs)
          ...(name === 'prefect-bridge' || name === 'cli' || name === 'create' || name === 'opentelemetry'
            ? { globalSetup: ['test/support/global-setup.ts'] }
            : {}),
          ...(name === 'cli' ? { testTimeout: 120_000, hookTimeout: 120_000 } : {}),
          ...(name === 'opentelemetry' ? { testTimeout: 90_000, hookTimeout: 120_000 } : {}),
          // create: generated projects run by the real weft (all runners), and the release from a
          // registry (pack, publish, npm create, npm install) with the viewer in Chromium
          ...(name === 'create' ? { testTimeout: 180_000, hookTimeout: 900_000 } : {}),
          // contextvars: the memory soak tests measure the heap after a full GC
          ...(name === 'contextvars' ? { execArgv: [...nodeFlags, '--expose-gc'] } : {}),
          // viz: headless Chromium (Debian's) drives the report and the live viewer
          ...(name === 'viz' ? { testTimeout: 60_000, hookTimeout: 120_000 } : {}),
        },
      })),
      // the demo (apps/demo, the spaceflights project @weft/create makes): its own vitest tests
      {
        extends: true,
        test: { name: 'demo', root: 'apps/demo', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
      },
      // the published tarballs: packed with pnpm, linted, installed into an empty npm project, imported, type-checked
      {
        extends: true,
        test: {
          name: 'packaging',
          root: 'tools/release-check',
          include: ['test/**/*.test.ts'],
          // the release through a real registry on every Node line: `pnpm test:release` (vitest.release.config.ts)
          exclude: ['test/release/**'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});

#!/usr/bin/env node
// The `weft-worker` command. This small file is committed (not built) so that package managers can
// link the command when they install the workspace, before anything is compiled; it runs the
// compiled CLI, dist/worker-cli.js (see src/worker-cli.ts).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/worker-cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'weft-worker: @weft/distributed is not built (dist/worker-cli.js is missing); run `pnpm build` first\n',
  );
  process.exit(1);
}
await import(cli.href);

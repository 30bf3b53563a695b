#!/usr/bin/env node
// The `weft` command. This small file is committed (not built) so that package managers can link
// the command before anything is compiled. A project with its own @weft/cli gets that one (so its
// pipelines and weft share one @weft/runner); otherwise this package's compiled CLI runs.
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const own = realpathSync(dirname(dirname(fileURLToPath(import.meta.url))));
let local;
try {
  const manifest = createRequire(join(process.cwd(), 'package.json')).resolve('@weft/cli/package.json');
  local = realpathSync(dirname(manifest));
} catch {}
if (local !== undefined && local !== own && existsSync(join(local, 'bin', 'weft.js'))) {
  await import(pathToFileURL(join(local, 'bin', 'weft.js')).href);
} else {
  const cli = new URL('../dist/bin.js', import.meta.url);
  if (!existsSync(cli)) {
    process.stderr.write('weft: @weft/cli is not built (dist/bin.js is missing); run `pnpm build` first\n');
    process.exit(2);
  }
  await import(cli.href);
}

#!/usr/bin/env node
// `npm create @weft` (npm runs @weft/create's one command). This small file is committed (not
// built) so that package managers can link the command before anything is compiled.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'create-weft: @weft/create is not built (dist/bin.js is missing); run `pnpm build` first\n',
  );
  process.exit(2);
}
await import(cli.href);

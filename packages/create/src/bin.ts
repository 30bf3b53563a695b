/**
 * `create-weft` (what `bin/create-weft.js` starts): {@link runCreate} on this process.
 *
 * @module
 */
import { runCreate } from './cli.js';

process.exitCode = await runCreate(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});

/**
 * The `weft` command (what `bin/weft.js` starts): registers TypeScript, then {@link main}.
 *
 * @module
 */
import { registerTypeScript } from './typescript-loader.js';

registerTypeScript();
const { main } = await import('./main.js');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Leave when the event loop empties; should something the project started keep it alive, leave anyway.
setTimeout(() => process.exit(code), 2000).unref();

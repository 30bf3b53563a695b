/**
 * The `weft` command (what `bin/weft.js` starts): registers TypeScript, then {@link main}.
 *
 * @module
 */
import { registerTypeScript } from './typescript-loader.js';

registerTypeScript();
const { main } = await import('./main.js');
// First Ctrl-C: stop the run (no new node starts; the summary and the resume command follow).
// Second: leave at once.
const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort(new Error('interrupted (Ctrl-C)'));
});
const code = await main(process.argv.slice(2), { signal: stop.signal });
process.exitCode = code;
// Leave when the event loop empties; should something the project started keep it alive, leave anyway.
setTimeout(() => process.exit(code), 2000).unref();

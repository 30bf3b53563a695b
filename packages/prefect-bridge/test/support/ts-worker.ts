/**
 * Test support: start a worker thread running a TypeScript module from the sources. Node 20 does
 * not apply `--import tsx` hooks inside worker threads, so a JavaScript trampoline registers tsx's
 * ESM hooks first and then imports the module; `@weft/source` resolves workspace packages to TS.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const manifest = require.resolve('tsx/package.json');
const exportsMap = JSON.parse(readFileSync(manifest, 'utf8')).exports as Record<
  string,
  { import: { default: string } }
>;
const tsxApi = pathToFileURL(
  join(dirname(manifest), exportsMap['./esm/api']?.import.default ?? 'missing'),
).href;

/** A `Worker` running the TypeScript module at `moduleUrl`. */
export function tsWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const code = `(async () => { const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(moduleUrl.href)}); })().catch((e) => { process.nextTick(() => { throw e; }); });`;
  return new Worker(code, {
    ...options,
    eval: true,
    execArgv: [...(options.execArgv ?? []), '--conditions=@weft/source'],
  });
}

/** Runs the TypeScript module in a worker until it exits; resolves with the last message it posted. */
export function runTsWorker<T = unknown>(moduleUrl: URL, workerData: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = tsWorker(moduleUrl, { workerData });
    let message: T | undefined;
    let got = false;
    worker.on('message', (m: T) => {
      message = m;
      got = true;
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      code === 0 && got
        ? resolve(message as T)
        : reject(new Error(`worker ${moduleUrl.href} exited with code ${code}`)),
    );
  });
}

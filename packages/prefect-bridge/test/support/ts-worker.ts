/**
 * Test support: start a worker thread running a TypeScript module from the sources. The worker
 * gets tsx the way WorkerThreadExecutor's workers do (`typescriptExecArgv`, which works on every
 * Node line), and `@weft/source` resolves workspace packages to their TypeScript sources.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { typescriptExecArgv } from '@weft/executor';

/** A `Worker` running the TypeScript module at `moduleUrl`. */
export function tsWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  return new Worker(moduleUrl, {
    ...options,
    execArgv: [...(options.execArgv ?? []), ...typescriptExecArgv('tsx'), '--conditions=@weft/source'],
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

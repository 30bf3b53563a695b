// The pipeline prefect-bridge.mjs runs on ParallelRunner: its node logs through getRunLogger() from
// a worker thread, which must reach the main thread's sink under the node's task run.
import { isMainThread } from 'node:worker_threads';
import { getRunLogger } from '@weft/prefect-bridge';
import { node, pipeline } from '@weft/runner';

export function greet(name) {
  getRunLogger().info(`greeting ${name} main=${isMainThread}`);
  return `hello ${name}`;
}

export const greeting = pipeline([node(greet, 'name', 'greeting', { name: 'greet' })]);

// Worker-thread tasks for executor.mjs: they run in piscina workers started from the tarball.
import { defineTasks } from '@weft/executor';
import { traceId } from './executor-shared.mjs';

export function readTrace(suffix) {
  return `${traceId.get('missing')}:${suffix}`;
}

export const tasks = defineTasks(import.meta.url, { readTrace });

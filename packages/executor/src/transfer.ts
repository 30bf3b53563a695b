/**
 * `move`: transfer a buffer or port to or from a worker thread instead of copying it.
 *
 * @module
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';

/**
 * Marks `value` to be transferred, not copied, when it crosses to a worker thread as a task
 * argument (`executor.submit(tasks.hash, move(bytes))`) or back as a task's result
 * (`return move(output)` in the task). After the transfer the sender's copy is detached (an
 * `ArrayBuffer` of length 0). Typed as `T` so a moved value fits the task's signature; only pass
 * the result of `move` to a `WorkerThreadExecutor` or return it from a worker task.
 */
export function move<T extends ArrayBuffer | ArrayBufferView | MessagePort>(value: T): T {
  return Piscina.move(value as ArrayBuffer) as unknown as T;
}

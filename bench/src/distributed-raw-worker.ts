/**
 * A bare BullMQ worker process for `bench:distributed`'s baseline: returns each job's data, no
 * Weft involved. Started with the Redis socket and the key prefix as arguments; stops when its
 * parent disconnects.
 */
import { Worker } from 'bullmq';

const [socket, prefix] = process.argv.slice(2);
const worker = new Worker('raw', async (job) => job.data, {
  connection: { path: socket, maxRetriesPerRequest: null },
  prefix,
});
await worker.waitUntilReady();
process.send?.('ready');
process.on('disconnect', () => {
  void worker.close().then(() => process.exit(0));
});

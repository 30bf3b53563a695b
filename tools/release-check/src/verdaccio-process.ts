/**
 * The child process behind {@link startLocalRegistry}: runs Verdaccio with the configuration file
 * named by its one argument on a free loopback port, reports `{ type: 'listening', port }` over IPC,
 * and stops when its parent disconnects or sends SIGTERM.
 *
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runServer } from 'verdaccio';

const [configFile] = process.argv.slice(2);
if (configFile === undefined || process.send === undefined) {
  process.stderr.write('verdaccio-process: start me through startLocalRegistry() (a config file and IPC)\n');
  process.exit(2);
}

const server = (await runServer(configFile)) as Server;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'listening', port });
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);

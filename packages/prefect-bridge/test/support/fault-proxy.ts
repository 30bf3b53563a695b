/**
 * Test support: a loopback TCP proxy in front of a real server that can be made to misbehave the
 * way a dying or overloaded server does, on the wire:
 *
 * - `pass`: bytes flow both ways unchanged;
 * - `silent`: connections are accepted (new and existing ones) but nothing is ever answered and
 *   nothing reaches the server;
 * - `late`: requests reach the server, its answers are held back for `lateMs` (set it past the
 *   client's timeout: the server does the work, the client has given up);
 * - `refuse`: the listener closes and every open connection is reset (a killed server).
 *
 * The real server behind it stays up, so a test can read back what it actually stored.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** How the proxy behaves; switch at any time with {@link FaultProxy.setMode}. */
export type ProxyMode = 'pass' | 'silent' | 'late' | 'refuse';

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>/api`. */
  readonly apiUrl: string;
  readonly mode: ProxyMode;
  /** Switches behaviour; `refuse` closes the listener for good. */
  setMode(mode: ProxyMode, options?: { lateMs?: number }): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Starts a proxy to `upstreamApiUrl` (`http://127.0.0.1:<port>/api`); `mode` defaults to `pass`. */
export async function startFaultProxy(
  upstreamApiUrl: string,
  initial: ProxyMode = 'pass',
  options: { lateMs?: number } = {},
): Promise<FaultProxy> {
  const upstream = new URL(upstreamApiUrl);
  let mode: ProxyMode = initial;
  let lateMs = options.lateMs ?? 2000;
  let connections = 0;
  const open = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((client) => {
    connections++;
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const up = connect(Number(upstream.port), upstream.hostname);
    open.add(up);
    up.on('close', () => {
      open.delete(up);
      // the server hung up: hang up on the client too (unless the proxy is playing dead)
      if (mode === 'pass' || mode === 'late') client.end();
    });
    up.on('error', () => {});
    client.on('data', (chunk: Buffer) => {
      if (mode === 'silent') return; // swallowed: never reaches the server
      up.write(chunk);
    });
    client.on('end', () => {
      if (mode !== 'silent') up.end();
    });
    up.on('data', (chunk: Buffer) => {
      if (mode === 'silent') return;
      if (mode === 'late') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!client.destroyed) client.write(chunk);
        }, lateMs);
        timers.add(timer);
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of open) s.destroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });

  return {
    apiUrl: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/+$/, '')}`,
    get mode() {
      return mode;
    },
    get connections() {
      return connections;
    },
    setMode(next, opts = {}) {
      mode = next;
      if (opts.lateMs !== undefined) lateMs = opts.lateMs;
      if (next === 'refuse') void close();
    },
    close,
  };
}

/** A TCP server on 127.0.0.1 that accepts connections and never reads or answers anything. */
export async function startSilentServer(): Promise<{ apiUrl: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pause(); // never read: the request sits in the socket buffers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

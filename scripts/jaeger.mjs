#!/usr/bin/env node
/**
 * Jaeger v2 (the `jaeger` binary, an OpenTelemetry Collector with Jaeger's storage and query
 * API), built once with Go from the Go module proxy into `.cache/jaeger-<version>/jaeger`, and
 * started on free loopback ports for tests and benchmarks.
 *
 *   node scripts/jaeger.mjs build     # builds it unless cached (needs Go >= 1.24.6)
 *   node scripts/jaeger.mjs path      # prints the binary's path (builds it first)
 *   node scripts/jaeger.mjs start     # starts one and prints its endpoints until Ctrl-C
 *
 * `go install …@v1.75.0` refuses Jaeger (its go.mod has a replace directive), so the module is
 * downloaded (`go mod download`, into the module cache that persists across clones) and built in
 * place with `-trimpath -ldflags='-s -w'`; the build cache (`go env GOCACHE`) makes a rebuild
 * quick. Plain ESM without dependencies, for Node >= 20.
 *
 * As a module: `jaegerBinary()`, `buildJaeger({ log })`, `startJaeger({ binary })`, `findGo()`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Jaeger release the tests use (a tag of github.com/jaegertracing/jaeger on the Go module proxy). */
export const JAEGER_VERSION = '1.75.0';

/** Where the binary is kept: `<repo>/.cache/jaeger-<version>/jaeger`. */
export const JAEGER_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '.cache',
  `jaeger-${JAEGER_VERSION}`,
);

/** How to get it, for skip messages. */
export const JAEGER_HINT =
  `install Go >= 1.24.6 (https://go.dev/dl/, or Debian's golang-go when recent enough) and run ` +
  `'node scripts/jaeger.mjs build' (builds github.com/jaegertracing/jaeger/cmd/jaeger@v${JAEGER_VERSION} ` +
  `from the Go module proxy into .cache/jaeger-${JAEGER_VERSION}/, about 5 to 10 minutes once)`;

/** The cached binary's path, or undefined when it is not built. */
export function jaegerBinary() {
  const binary = join(JAEGER_DIR, 'jaeger');
  return existsSync(binary) ? binary : undefined;
}

/** The `go` command, or undefined when Go is not installed. */
export function findGo() {
  for (const candidate of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function run(command, args, options) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
      options?.onOutput?.(String(d));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolveRun(output);
      else
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.trim().slice(-4000)}`));
    });
  });
}

/**
 * Builds the binary into the cache unless it is there; resolves to its path. Safe to run twice at
 * once (each build writes a temporary file and renames it into place).
 *
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<string>}
 */
export async function buildJaeger(options = {}) {
  const log = options.log ?? ((line) => process.stderr.write(`[jaeger] ${line}\n`));
  const cached = jaegerBinary();
  if (cached !== undefined) return cached;
  const go = findGo();
  if (go === undefined) throw new Error(`Go is not installed: to get Jaeger, ${JAEGER_HINT}`);
  const started = performance.now();
  const module = `github.com/jaegertracing/jaeger@v${JAEGER_VERSION}`;
  log(`downloading ${module} (go mod download)`);
  const info = JSON.parse(await run(go, ['mod', 'download', '-json', module], { cwd: tmpdir() }));
  if (typeof info.Dir !== 'string')
    throw new Error(`go mod download gave no directory for ${module}: ${info.Error ?? ''}`);
  mkdirSync(JAEGER_DIR, { recursive: true });
  const temporary = mkdtempSync(join(JAEGER_DIR, 'build-'));
  const output = join(temporary, 'jaeger');
  log(
    `building ./cmd/jaeger in ${info.Dir} (go build -trimpath -ldflags='-s -w'; minutes on a cold build cache)`,
  );
  try {
    await run(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', output, './cmd/jaeger'], {
      cwd: info.Dir,
      // -mod=readonly: the module cache is read-only; no VCS stamping in a module-cache directory.
      env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false' },
    });
    renameSync(output, join(JAEGER_DIR, 'jaeger'));
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
  log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s: ${join(JAEGER_DIR, 'jaeger')}`);
  return join(JAEGER_DIR, 'jaeger');
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** The configuration: OTLP/HTTP in, the query API out, memory storage, loopback only, no own telemetry. */
function config(ports) {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.query}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/**
 * Starts Jaeger on free loopback ports and resolves once its query API answers:
 * `{ otlpEndpoint, queryUrl, pid, stop() }` (`otlpEndpoint` is the OTLP/HTTP base URL, e.g.
 * `http://127.0.0.1:40123`; traces go to `${otlpEndpoint}/v1/traces`). Retries on a port taken
 * between choosing and binding it.
 *
 * @param {{ binary?: string, timeoutMs?: number }} [options]
 */
export async function startJaeger(options = {}) {
  const binary = options.binary ?? jaegerBinary();
  if (binary === undefined) throw new Error(`Jaeger is not built: ${JAEGER_HINT}`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const folder = mkdtempSync(join(tmpdir(), 'weft-jaeger-'));
  let lastError;
  for (let attempt = 0; attempt < 5; attempt++) {
    const ports = { otlp: await freePort(), query: await freePort(), queryGrpc: await freePort() };
    const file = join(folder, 'config.yaml');
    writeFileSync(file, config(ports));
    const child = spawn(binary, ['--config', `file:${file}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d) => {
      output = (output + d).slice(-16_384);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise((done) => child.once('exit', () => done(undefined)));
    const queryUrl = `http://127.0.0.1:${ports.query}`;
    const deadline = performance.now() + timeoutMs;
    let ready = false;
    while (performance.now() < deadline && child.exitCode === null) {
      try {
        const response = await fetch(`${queryUrl}/api/services`);
        if (response.ok) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(folder, { recursive: true, force: true });
    };
    if (ready) {
      return {
        otlpEndpoint: `http://127.0.0.1:${ports.otlp}`,
        queryUrl,
        pid: child.pid,
        stop,
        output: () => output,
      };
    }
    child.kill('SIGKILL');
    await exited;
    lastError = new Error(`Jaeger did not start within ${timeoutMs} ms:\n${output.trim()}`);
    if (!/address already in use/.test(output)) break;
  }
  rmSync(folder, { recursive: true, force: true });
  throw lastError;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [command = 'build'] = process.argv.slice(2);
  try {
    if (command === 'build') {
      await buildJaeger();
    } else if (command === 'path') {
      process.stdout.write(`${await buildJaeger()}\n`);
    } else if (command === 'start') {
      const jaeger = await startJaeger({ binary: await buildJaeger() });
      process.stdout.write(`OTLP/HTTP ${jaeger.otlpEndpoint}\nquery API ${jaeger.queryUrl}\n`);
      const stop = () => void jaeger.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    } else {
      process.stderr.write('usage: node scripts/jaeger.mjs build | path | start\n');
      process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`jaeger: ${error.message}\n`);
    process.exitCode = 1;
  }
}

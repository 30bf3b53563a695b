/**
 * `pnpm bench:otel`: what OpenTelemetry through `@weft/opentelemetry` costs.
 *
 * 1. Zero cost when `@weft/opentelemetry` is not imported: no Weft package it extends declares or
 *    imports anything of OpenTelemetry (their manifests and built files are read here), and the
 *    per-node cost of a SequentialRunner in a fresh process that never imports it is shown next to
 *    the same runner with it imported and registered but its hooks off.
 * 2. Per-node overhead of `openTelemetryHooks()` (SDK tracer provider, batching span processor,
 *    no-op exporter; Weft's context manager) against no hooks, on SequentialRunner and
 *    ThreadRunner: a chain of trivial nodes, interleaved rounds (order rotating), medians of wall
 *    clock and CPU time.
 * 3. The worker round trip (WorkerThreadExecutor, one thread, a trivial task submitted and awaited
 *    one at a time, inside an active span with baggage) with Weft's propagator plus the
 *    OpenTelemetry propagator (traceparent and baggage injected and extracted at each crossing)
 *    against the default propagator: budget ≤ 1.10×. Two executors side by side, rounds
 *    interleaved in blocks of 20 tasks, the median of the per-round ratios, of wall clock and of
 *    CPU time (every thread of the process).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AbstractRunner,
  DataCatalog,
  type Hooks,
  node,
  type Pipeline,
  pipeline,
  SequentialRunner,
  ThreadRunner,
} from '@weft/runner';
import { fmt, machineLoad, median, printTable } from './harness.js';
import { step } from './otel-tasks.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODES = 400;
const ROUNDS = 9;

function chain(): Pipeline {
  return pipeline(
    Array.from({ length: NODES }, (_, i) => node(step, `x${i}`, `x${i + 1}`, { name: `n${i}` })),
  );
}

/** One run of the chain: wall-clock and CPU (every thread of the process) µs per node. */
interface PerNode {
  wall: number;
  cpu: number;
}

/** µs per node of one run of the chain. */
async function perNode(runner: AbstractRunner, p: Pipeline, hooks: readonly Hooks[]): Promise<PerNode> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  await runner.run(p, new DataCatalog({ x0: 0 }), { hooks: [...hooks] });
  const wall = Number(process.hrtime.bigint() - start) / 1000 / NODES;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / NODES };
}

/**
 * Medians (µs/node, wall clock and CPU) of interleaved rounds of each case, after two warm-up
 * rounds; the order rotates from round to round, so no case always runs first or last. On a
 * loaded machine the wall clock of a run that takes longer than a scheduler slice also counts
 * the time other processes had the core: CPU time is the steadier figure.
 */
async function perNodeCases(
  cases: readonly { name: string; runner: AbstractRunner; hooks: () => readonly Hooks[] }[],
): Promise<Map<string, PerNode>> {
  const p = chain();
  const samples = new Map<string, PerNode[]>(cases.map((c) => [c.name, []]));
  for (let round = -2; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(Math.max(round, 0) + k) % cases.length] as (typeof cases)[number];
      const sample = await perNode(c.runner, p, c.hooks());
      if (round >= 0) samples.get(c.name)?.push(sample);
    }
  }
  return new Map(
    [...samples].map(([name, list]) => [
      name,
      { wall: median(list.map((s) => s.wall)), cpu: median(list.map((s) => s.cpu)) },
    ]),
  );
}

/** Files under `dir` ending in `.js`. */
function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...jsFiles(path));
    else if (path.endsWith('.js')) out.push(path);
  }
  return out;
}

function zeroCostCheck(): string[] {
  const rows: string[] = [];
  for (const name of ['contextvars', 'executor', 'runner', 'distributed', 'prefect-bridge']) {
    const dir = join(REPO_ROOT, 'packages', name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const declared = ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((k) =>
      Object.keys(manifest[k] ?? {}).filter(
        (d) => d.startsWith('@opentelemetry/') || d === '@weft/opentelemetry',
      ),
    );
    const importing = jsFiles(join(dir, 'dist')).filter((f) =>
      /from\s+['"](@opentelemetry\/|@weft\/opentelemetry)|import\(\s*['"](@opentelemetry\/|@weft\/opentelemetry)/.test(
        readFileSync(f, 'utf8'),
      ),
    );
    if (declared.length > 0 || importing.length > 0) {
      throw new Error(
        `@weft/${name} depends on OpenTelemetry: ${[...declared, ...importing.map((f) => f.slice(REPO_ROOT.length))].join(', ')}`,
      );
    }
    rows.push(`@weft/${name}`);
  }
  return rows;
}

/**
 * Child mode: SequentialRunner per node, hooks off, in a fresh process that never imports
 * OpenTelemetry (`plain`) or that imports and registers `@weft/opentelemetry` first (`imported`).
 */
async function child(mode: string): Promise<void> {
  if (mode === 'imported') await import('./otel-setup.js');
  const runner = new SequentialRunner();
  const result = await perNodeCases([{ name: 'sequential', runner, hooks: () => [] }]);
  process.stdout.write(
    JSON.stringify({ us: result.get('sequential')?.wall, cpu: result.get('sequential')?.cpu }),
  );
}

/** Fresh processes of both modes, alternated: median µs/node (wall clock and CPU) of each. */
function freshProcesses(pairs: number): {
  plain: PerNode;
  imported: PerNode;
  ratios: number[];
  cpuRatios: number[];
} {
  const run = (mode: string): PerNode => {
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', mode], {
      encoding: 'utf8',
    });
    if (out.status !== 0) throw new Error(`the ${mode} child failed:\n${out.stderr}`);
    const { us, cpu } = JSON.parse(out.stdout) as { us: number; cpu: number };
    return { wall: us, cpu };
  };
  const plain: PerNode[] = [];
  const imported: PerNode[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let a: PerNode;
    let b: PerNode;
    if (i % 2 === 0) {
      a = run('plain');
      b = run('imported');
    } else {
      b = run('imported');
      a = run('plain');
    }
    plain.push(a);
    imported.push(b);
    ratios.push(b.wall / a.wall);
    cpuRatios.push(b.cpu / a.cpu);
  }
  const med = (list: PerNode[]): PerNode => ({
    wall: median(list.map((s) => s.wall)),
    cpu: median(list.map((s) => s.cpu)),
  });
  return { plain: med(plain), imported: med(imported), ratios, cpuRatios };
}

async function main(): Promise<void> {
  console.log(`bench:otel on Node ${process.versions.node}; ${machineLoad()}\n`);

  // 1. Zero cost when not imported.
  const clean = zeroCostCheck();
  const fresh = freshProcesses(6);

  // Everything below has @weft/opentelemetry imported and registered.
  const setup = await import('./otel-setup.js');
  const { openTelemetryHooks } = await import('@weft/opentelemetry');
  const { context, propagation, trace } = await import('@opentelemetry/api');
  const { WorkerThreadExecutor } = await import('@weft/executor');
  type OtelContext = import('@opentelemetry/api').Context;
  type ContextVar<T> = import('@weft/contextvars').ContextVar<T>;
  const { getGlobalPropagator, resetGlobalPropagator, setGlobalPropagator } = await import(
    '@weft/contextvars'
  );
  const { tasks } = await import('./otel-tasks.js');
  const setupModule = new URL('./otel-setup.js', import.meta.url);

  // 2. Per-node overhead of the hooks.
  const sequential = new SequentialRunner();
  const thread = new ThreadRunner();
  const hooks = () => [openTelemetryHooks()];
  const none = () => [];
  // The same hook methods doing nothing: what the runner's hook path costs by itself.
  const noop = (): Hooks[] => [
    {
      beforePipelineRun() {},
      beforeNodeRun() {
        return undefined;
      },
      afterNodeRun() {},
      onNodeError() {},
      async afterPipelineRun() {},
      async onPipelineError() {},
    },
  ];
  // The SDK's share: hooks that make the same spans (run, and per node with the same attributes,
  // active in the node's context) directly with the tracer, nothing else. openTelemetryHooks()
  // minus this is what @weft/opentelemetry adds.
  // The variable the hooks and WeftContextManager keep the OpenTelemetry context in (shared by
  // package copies under this key).
  const otelContextVar = (globalThis as unknown as Record<symbol, ContextVar<OtelContext>>)[
    Symbol.for('@weft/opentelemetry/context-var')
  ] as ContextVar<OtelContext>;
  const sdkOnly = (): Hooks[] => {
    const tracer = trace.getTracer('@weft/opentelemetry');
    const spans = new Map<string, ReturnType<typeof tracer.startSpan>>();
    let parent = context.active();
    return [
      {
        beforePipelineRun({ runId, runParams }) {
          const run = tracer.startSpan('weft pipeline', {
            attributes: { 'weft.run.id': runId, 'weft.runner': runParams.runner },
          });
          parent = trace.setSpan(context.active(), run);
          otelContextVar.set(parent);
        },
        beforeNodeRun({ runId, node }) {
          const span = tracer.startSpan(
            `weft node ${node.name}`,
            {
              attributes: {
                'weft.run.id': runId,
                'weft.node.name': node.name,
                'weft.node.inputs': node.inputs.slice(),
                'weft.node.outputs': node.outputs.slice(),
              },
            },
            parent,
          );
          spans.set(node.name, span);
          otelContextVar.set(trace.setSpan(parent, span));
          return undefined;
        },
        afterNodeRun({ node }) {
          spans.get(node.name)?.end();
        },
        async afterPipelineRun() {
          trace.getSpan(parent)?.end();
        },
      },
    ];
  };
  const perNodeResults = await perNodeCases([
    { name: 'SequentialRunner, no hooks', runner: sequential, hooks: none },
    { name: 'SequentialRunner, no-op hooks', runner: sequential, hooks: noop },
    { name: 'SequentialRunner, SDK only', runner: sequential, hooks: sdkOnly },
    { name: 'SequentialRunner, openTelemetryHooks()', runner: sequential, hooks },
    { name: 'ThreadRunner, no hooks', runner: thread, hooks: none },
    { name: 'ThreadRunner, no-op hooks', runner: thread, hooks: noop },
    { name: 'ThreadRunner, SDK only', runner: thread, hooks: sdkOnly },
    { name: 'ThreadRunner, openTelemetryHooks()', runner: thread, hooks },
  ]);
  console.log(`1. Zero cost when @weft/opentelemetry is not imported`);
  console.log(
    `   ${clean.join(', ')}: no OpenTelemetry dependency and no OpenTelemetry import in dist/ (checked).`,
  );
  printTable(
    [
      'SequentialRunner, no hooks, fresh processes alternated',
      'µs/node',
      'CPU µs/node',
      'x never imported (median of pairs: wall, CPU)',
    ],
    [
      ['@weft/opentelemetry never imported', fmt(fresh.plain.wall, 2), fmt(fresh.plain.cpu, 2), '1.00'],
      [
        'imported and registered (context manager, provider, propagator)',
        fmt(fresh.imported.wall, 2),
        fmt(fresh.imported.cpu, 2),
        `${fmt(median(fresh.ratios), 2)}, ${fmt(median(fresh.cpuRatios), 2)}`,
      ],
    ],
  );
  console.log(
    `\n2. Per-node overhead of openTelemetryHooks() (SDK, batching, no-op exporter), ${NODES}-node chain, medians of ${ROUNDS} interleaved rounds; wall clock / CPU (all threads)`,
  );
  const rows: string[][] = [];
  const both = (v: PerNode) => `${fmt(v.wall, 2)} / ${fmt(v.cpu, 2)}`;
  for (const kind of ['SequentialRunner', 'ThreadRunner']) {
    const off = perNodeResults.get(`${kind}, no hooks`) as PerNode;
    const empty = perNodeResults.get(`${kind}, no-op hooks`) as PerNode;
    const sdk = perNodeResults.get(`${kind}, SDK only`) as PerNode;
    const on = perNodeResults.get(`${kind}, openTelemetryHooks()`) as PerNode;
    rows.push([
      kind,
      both(off),
      both(empty),
      both(sdk),
      both(on),
      `${fmt(on.wall - empty.wall, 2)} / ${fmt(on.cpu - empty.cpu, 2)}`,
      `${fmt(on.wall - sdk.wall, 2)} / ${fmt(on.cpu - sdk.cpu, 2)}`,
      `${fmt(on.wall / off.wall, 2)} / ${fmt(on.cpu / off.cpu, 2)}`,
    ]);
  }
  printTable(
    [
      'runner',
      'µs/node no hooks',
      'no-op hooks',
      'SDK only',
      'openTelemetryHooks()',
      '+µs/node (OTel over no-op)',
      '+µs/node (ours over SDK only)',
      'x no hooks',
    ],
    rows,
  );

  // 3. The worker round trip with and without the OpenTelemetry propagator.
  const otelPropagator = getGlobalPropagator();
  if (otelPropagator !== setup.otelPropagator) throw new Error('the set-up did not set its propagator');
  resetGlobalPropagator();
  // One executor, so one worker thread, for both cases. With a thread each, the two cases ran on
  // threads whose cost per wake-up differed by up to 4x for a whole run on this virtual machine
  // (postMessage to a sleeping thread: 45 µs or 180-300 µs per round trip, either case, user CPU
  // included), which no number of rounds averages out. The price: once the first traced task has
  // run, the worker extracts every carrier with the propagator its set-up module installed, so the
  // default case also pays the OpenTelemetry extractor's look for absent fields (well under 1%).
  const plain = new WorkerThreadExecutor({ maxWorkers: 1 });
  const traced = plain;
  const tracer = trace.getTracer('bench');
  const baggage = propagation.createBaggage({ tenant: { value: 'acme' }, region: { value: 'eu-west' } });
  const N = 200;
  const BLOCK = 20;
  const RT_ROUNDS = 41;
  // One round: N round trips of each case, in alternating blocks of BLOCK (so a burst of load on
  // this shared machine falls on both cases alike), summed per case: wall clock and CPU (every
  // thread of the process: the carrier is made here and read in the worker).
  type Trip = { wall: number; cpu: number };
  const block = async (executor: InstanceType<typeof WorkerThreadExecutor>, total: Trip) => {
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < BLOCK; i++) await executor.submit(tasks.echo, i);
    total.wall += Number(process.hrtime.bigint() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    total.cpu += cpu.user + cpu.system;
  };
  const round = async (plainFirst: boolean): Promise<{ plain: Trip; traced: Trip }> => {
    const a: Trip = { wall: 0, cpu: 0 };
    const b: Trip = { wall: 0, cpu: 0 };
    for (let k = 0; k < N / BLOCK; k++) {
      for (const first of plainFirst === (k % 2 === 0) ? [true, false] : [false, true]) {
        if (first) {
          resetGlobalPropagator();
          await block(plain, a);
        } else {
          setGlobalPropagator(otelPropagator, { setupModule });
          await block(traced, b);
        }
      }
    }
    const per = (t: Trip): Trip => ({ wall: t.wall / N, cpu: t.cpu / N });
    return { plain: per(a), traced: per(b) };
  };
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const plainTrips: Trip[] = [];
  const tracedTrips: Trip[] = [];
  await context.with(propagation.setBaggage(context.active(), baggage), () =>
    tracer.startActiveSpan('bench', async (span) => {
      for (let r = -4; r < RT_ROUNDS; r++) {
        const { plain: a, traced: b } = await round(r % 2 === 0);
        if (r >= 0) {
          plainTrips.push(a);
          tracedTrips.push(b);
          ratios.push(b.wall / a.wall);
          cpuRatios.push(b.cpu / a.cpu);
        }
      }
      span.end();
    }),
  );
  resetGlobalPropagator();
  await plain.shutdown();
  const ratio = median(ratios);
  const cpuRatio = median(cpuRatios);
  const trip = (list: Trip[]) => [
    fmt(median(list.map((t) => t.wall)), 1),
    fmt(median(list.map((t) => t.cpu)), 1),
  ];
  console.log(
    `\n3. Worker round trip (WorkerThreadExecutor, 1 thread, ${RT_ROUNDS} rounds of ${N} trivial tasks one at a time per propagator, interleaved in blocks of ${BLOCK}, in an active span with 2 baggage entries; ratios are medians of per-round ratios)`,
  );
  printTable(
    [
      'propagator',
      'µs/round trip',
      'CPU µs (all threads)',
      'x default: wall',
      'x default: CPU',
      'budget (wall)',
    ],
    [
      ['default (declared variables)', ...trip(plainTrips), '1.00', '1.00', ''],
      [
        '+ openTelemetryPropagator() (traceparent, baggage)',
        ...trip(tracedTrips),
        `${fmt(ratio, 3)} (quartiles ${fmt(quartile(ratios, 0.25), 3)}–${fmt(quartile(ratios, 0.75), 3)})`,
        `${fmt(cpuRatio, 3)} (quartiles ${fmt(quartile(cpuRatios, 0.25), 3)}–${fmt(quartile(cpuRatios, 0.75), 3)})`,
        ratio <= 1.1 ? '≤ 1.10x: met' : '≤ 1.10x: MISSED',
      ],
    ],
  );
  await setup.provider.shutdown();
  console.log(`\n${machineLoad()}`);
}

function quartile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const childAt = process.argv.indexOf('--child');
if (childAt !== -1) await child(process.argv[childAt + 1] as string);
else await main();

/**
 * Child process of the contextvars benchmark: times a tight `await` loop and prints ns per await.
 * Mode `baseline` never loads @weft/contextvars; `imported` loads it and uses it without entering a
 * context (get/set on the root context); `entered` runs the loop inside `Context.run`, which turns
 * on Node 20's promise hooks (informational).
 */
const mode = process.argv[2] ?? 'baseline';
const iterations = 2_000_000;

async function loop(): Promise<number> {
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum += await i;
  return sum;
}

async function main(): Promise<void> {
  let enter: (fn: () => Promise<number>) => Promise<number> = (fn) => fn();
  if (mode !== 'baseline') {
    const { ContextVar, Context } = await import('@weft/contextvars');
    const runId = new ContextVar<string>('bench.runId', { default: 'none' });
    runId.set('root-level');
    if (runId.get() !== 'root-level') throw new Error('unexpected');
    if (mode === 'entered') enter = (fn) => new Context().run(fn);
  }
  await enter(loop); // warm up
  const start = process.hrtime.bigint();
  await enter(loop);
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  process.stdout.write(`${ns}\n`);
}

await main();

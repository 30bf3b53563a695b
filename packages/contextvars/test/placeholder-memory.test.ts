/**
 * Fault 5 of issue 10: values that arrive for names nobody defines cost memory only while some
 * context holds them. Soak test: the heap after a full GC (vitest.config.ts runs this project
 * with --expose-gc).
 */
import { describe, expect, it } from 'vitest';
import { ContextVar, deserializeContext, serializeContext } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** A full GC, with turns of the event loop in between so that finalizers run. */
async function heapAfterGc(): Promise<number> {
  if (gc === undefined) throw new Error('this test needs --expose-gc (vitest.config.ts passes it)');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  gc();
  return process.memoryUsage().heapUsed;
}

function churn(prefix: string, count: number): void {
  for (let i = 0; i < count; i++) deserializeContext({ v: 1, vars: { [`${prefix}.${i}`]: i } });
}

const NAMES = 200_000;
const MB = 2 ** 20;

describe('values for unknown names', { timeout: 60_000 }, () => {
  it(`200,000 contexts, each with a name nobody defines, leave the heap as it was once they are gone`, async () => {
    churn('warm', 5_000);
    const before = await heapAfterGc();
    churn('soak', NAMES);
    const after = await heapAfterGc();
    const growth = after - before;
    console.log(`heap growth after ${NAMES} unknown names: ${(growth / MB).toFixed(2)} MB`);
    // Keeping a placeholder per name cost ~22 MB here.
    expect(growth).toBeLessThan(2 * MB);
    // and it stays bounded: another burst of as many names adds next to nothing
    churn('again', NAMES);
    const again = await heapAfterGc();
    console.log(`heap growth after ${NAMES} more: ${((again - after) / MB).toFixed(2)} MB`);
    expect(again - after).toBeLessThan(1 * MB);
  });

  it('a context still alive keeps its names: a variable defined later resolves them, and they are passed on', async () => {
    const held = deserializeContext({ v: 1, vars: { 'held.late': 'kept', 'held.relay': [1, 2] } });
    churn('noise', 20_000);
    await heapAfterGc();
    const late = new ContextVar<string>('held.late', { propagate: true });
    expect(held.get(late)).toBe('kept');
    expect(held.run(() => late.get())).toBe('kept');
    expect(serializeContext(held).vars).toEqual({ 'held.late': 'kept', 'held.relay': [1, 2] });
  });

  it('a name whose values were all collected resolves in contexts deserialized after the variable exists', async () => {
    churn('gone', 1);
    await heapAfterGc();
    const gone = new ContextVar<number>('gone.0', { propagate: true });
    expect(deserializeContext({ v: 1, vars: { 'gone.0': 7 } }).get(gone)).toBe(7);
    // ids of collected placeholders are reused without clashing with live bindings
    const fresh = deserializeContext({ v: 1, vars: { 'reuse.a': 1, 'gone.0': 8 } });
    const reuse = new ContextVar<number>('reuse.a', { propagate: true });
    expect([fresh.get(reuse), fresh.get(gone)]).toEqual([1, 8]);
  });
});

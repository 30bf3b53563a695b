import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DataCatalog,
  type Node,
  node,
  type OutputsOf,
  type Pipeline,
  pipeline,
  SequentialRunner,
} from '../src/index.js';

function double(x: number): number {
  return x * 2;
}

async function label(n: number): Promise<string> {
  return `n=${n}`;
}

function* counts(n: number): Generator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

function split(x: number): [number, string] {
  return [x, String(x)];
}

describe('typed run() results (checked by pnpm typecheck; the values at run time)', () => {
  it('a pipeline of literal-named nodes resolves to those names with the functions types', async () => {
    const p = pipeline([
      node(double, 'x', 'doubled'),
      node(label, 'doubled', 'label'),
      node(counts, 'x', 'count'),
    ]);
    expectTypeOf<OutputsOf<typeof p>>().toEqualTypeOf<
      { doubled: number } & { label: string } & { count: number }
    >();
    const out = await new SequentialRunner().run(p, new DataCatalog({ x: 3 }));
    expectTypeOf(out.label).toEqualTypeOf<string | undefined>();
    expectTypeOf(out.count).toEqualTypeOf<number | undefined>();
    expectTypeOf(out.other).toEqualTypeOf<unknown>();
    expect(out).toEqual({ label: 'n=6', count: 3 });
  });

  it('list outputs take the tuple element types', async () => {
    const p = pipeline([node(split, 'x', ['num', 'text'])]);
    const out = await new SequentialRunner().run(p, new DataCatalog({ x: 4 }));
    expectTypeOf(out.num).toEqualTypeOf<number | undefined>();
    expectTypeOf(out.text).toEqualTypeOf<string | undefined>();
    expect(out).toEqual({ num: 4, text: '4' });
  });

  it('names not known statically, dict outputs and namespaced pipelines stay untyped', () => {
    const name: string = 'y';
    expectTypeOf(node(double, 'x', name)).toEqualTypeOf<Node>();
    expectTypeOf(node(double, 'x', { a: 'b' })).toEqualTypeOf<Node>();
    const typed = pipeline([node(double, 'x', 'doubled')]);
    expectTypeOf(pipeline([typed], { namespace: 'ns' })).toEqualTypeOf<Pipeline>();
    expectTypeOf(pipeline([typed, node(double, 'x', name)])).toEqualTypeOf<
      Pipeline<{ doubled: number } & Record<string, unknown>>
    >();
    // A typed pipeline goes wherever a Pipeline does.
    const untyped: Pipeline = typed;
    expect(untyped.nodes).toHaveLength(1);
  });
});

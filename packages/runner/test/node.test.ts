import { describe, expect, it } from 'vitest';
import { NodeDefinitionError, NodeInputError, NodeOutputError, node } from '../src/index.js';

function identity(x: unknown) {
  return x;
}
function add(a: number, b: number) {
  return a + b;
}
function noArgs() {
  return 1;
}

describe('node() construction', () => {
  it('accepts a name, a list or an object mapping for inputs and outputs', () => {
    const a = node(identity, 'x', 'y');
    expect(a.inputs).toEqual(['x']);
    expect(a.outputs).toEqual(['y']);
    const b = node(add, ['x', 'y'], ['s']);
    expect(b.inputs).toEqual(['x', 'y']);
    const c = node(({ df }: { df: number }) => ({ out: df }), { df: 'cars' }, { out: 'cars_out' });
    expect(c.inputs).toEqual(['cars']);
    expect(c.outputs).toEqual(['cars_out']);
    const d = node(noArgs, null, 'one');
    expect(d.inputs).toEqual([]);
  });

  it('gives deterministic default names from function, inputs and outputs', () => {
    const a = node(identity, 'x', 'y');
    const b = node(identity, 'x', 'y');
    const c = node(identity, 'x', 'z');
    expect(a.name).toBe(b.name);
    expect(a.name).toMatch(/^identity__[0-9a-f]{8}$/);
    expect(c.name).not.toBe(a.name);
    expect(node((v: unknown) => v, 'x', 'y').name).toMatch(/^anonymous__[0-9a-f]{8}$/);
  });

  it('prefixes the name with the namespace', () => {
    const n = node(identity, 'x', 'y', { name: 'id', namespace: 'prep.a', tags: ['t1', 't2'] });
    expect(n.name).toBe('prep.a.id');
    expect(n.namespace).toBe('prep.a');
    expect([...n.tags]).toEqual(['t1', 't2']);
  });

  it('rejects a node with neither inputs nor outputs', () => {
    expect(() => node(noArgs, null, null)).toThrow(/must have some 'inputs' or 'outputs'/);
  });

  it('rejects duplicate outputs', () => {
    expect(() => node(() => [1, 2], null, ['a', 'a'])).toThrow(/duplicate output\(s\) \{'a'\}/);
  });

  it('rejects an input equal to an output, even transcoded', () => {
    expect(() => node(identity, 'a@csv', 'a@json')).toThrow(
      /same inputs and outputs even if they are transcoded: \{'a@json'\}/,
    );
  });

  it('checks arity: too few inputs for the required parameters', () => {
    const err = (() => {
      try {
        node(add, 'x', 'y');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NodeDefinitionError);
    expect((err as Error).message).toBe(
      "Inputs of 'add' function expected 2 argument(s) (a, b), but got 1 input(s) ['x'].",
    );
  });

  it('checks arity: more inputs than declared parameters', () => {
    expect(() => node(identity, ['a', 'b'], 'c')).toThrow(
      "Inputs of 'identity' function expected 1 argument(s) (x), but got 2 input(s) ['a', 'b'].",
    );
    expect(() => node(noArgs, 'a', 'b')).toThrow(/expected 0 argument\(s\)/);
    expect(() => node((a: unknown, b: unknown) => [a, b], { a: 'x', b: 'y' }, 'z')).toThrow(
      /expected 2 argument\(s\) \(a, b\), but got one object with keys \['a', 'b'\]/,
    );
  });

  it('accepts rest parameters, defaults and destructuring', () => {
    expect(() => node((...xs: number[]) => xs.length, ['a', 'b', 'c'], 'n')).not.toThrow();
    expect(() => node((a: number, b = 2) => a + b, ['a', 'b'], 'n')).not.toThrow();
    expect(() => node((a: number, b = 2) => a + b, 'a', 'n')).not.toThrow();
    expect(() => node(({ a, b }: { a: number; b: number }) => a + b, { a: 'x', b: 'y' }, 'n')).not.toThrow();
    expect(() => node(([a, b]: number[], c: number) => a + b + c, ['p', 'q'], 'n')).not.toThrow();
    expect(() => node(identity.bind(null), 'a', 'n')).not.toThrow();
  });

  it('validates names, tags and namespaces', () => {
    expect(() => node(identity, 'x', 'y', { name: 'bad name' })).toThrow(
      "'bad name' is not a valid node name",
    );
    expect(() => node(identity, 'x', 'y', { tags: ['ok', 'no way'] })).toThrow(
      "'no way' is not a valid node tag",
    );
    expect(() => node(identity, 'x', 'y', { namespace: 'a b' })).toThrow(
      "'a b' is not a valid node namespace",
    );
  });

  it('validates dataset names and the function', () => {
    expect(() => node(identity, '', 'y')).toThrow(/must be a non-empty dataset name/);
    expect(() => node(identity, ['x', 3 as unknown as string], ['y'])).toThrow(
      /item 1 must be a non-empty dataset name, got number/,
    );
    expect(() => node('f' as never, 'x', 'y')).toThrow(
      'node() expects a function as its first argument, got string.',
    );
    class Model {}
    expect(() => node(Model as never, null, 'y')).toThrow(/got class 'Model'/);
  });

  it('detects generator and async-generator functions as streaming', () => {
    expect(node(function* gen() {}, null, 'y').streaming).toBe(true);
    expect(node(async function* agen() {}, null, 'y').streaming).toBe(true);
    expect(node(async () => 1, null, 'y').streaming).toBe(false);
  });
});

describe('Node.run', () => {
  it('maps list and dict outputs and validates their shape', async () => {
    expect(await node(add, ['a', 'b'], 's').run({ a: 1, b: 2 })).toEqual({ s: 3 });
    expect(await node((x: number) => [x, -x], 'x', ['p', 'n']).run({ x: 2 })).toEqual({ p: 2, n: -2 });
    expect(await node((x: number) => ({ p: x }), 'x', { p: 'pos' }).run({ x: 2 })).toEqual({ pos: 2 });
    await expect(node((x: number) => x, 'x', ['p', 'n']).run({ x: 2 })).rejects.toThrow(NodeOutputError);
    await expect(node((x: number) => [x], 'x', ['p', 'n']).run({ x: 2 })).rejects.toThrow(
      /The node function returned 1 output\(s\), whereas the node definition contains 2 output\(s\)/,
    );
    await expect(node((x: number) => ({ q: x }), 'x', { p: 'pos' }).run({ x: 2 })).rejects.toThrow(
      /output keys \{'p'\} do not match with the returned output's keys \{'q'\}/,
    );
  });

  it('rejects the wrong set of inputs', async () => {
    const n = node(add, ['a', 'b'], 's', { name: 'adder' });
    await expect(n.run({ a: 1 })).rejects.toThrow(NodeInputError);
    await expect(n.run({ a: 1, c: 2 })).rejects.toThrow(
      "Node adder: add([a, b]) -> s expected 2 input(s) ['a', 'b'], but got the following 2 input(s) instead: ['a', 'c'].",
    );
  });

  it('collects streamed chunks', async () => {
    const n = node(
      function* split(n: number) {
        for (let i = 0; i < n; i++) yield [i, i * i];
      },
      'n',
      ['i', 'sq'],
    );
    expect(await n.run({ n: 3 })).toEqual({ i: [0, 1, 2], sq: [0, 1, 4] });
  });
});

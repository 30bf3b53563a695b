/**
 * `node(fn, inputs, outputs, options)`: one step of a pipeline (Kedro's `kedro.pipeline.node`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { NodeDefinitionError, NodeInputError, NodeOutputError } from './errors.js';
import { declaredParams } from './function-params.js';
import { listRepr, setOwn, setRepr, stripTranscoding, VALID_NAME } from './names.js';
import type { RunResult } from './run-report.js';
import { typeName } from './values.js';

/**
 * Inputs or outputs of a node, as Kedro accepts them:
 * - a dataset name: the function takes (or returns) one value;
 * - a list of names: positional arguments (or an array returned, one item per output);
 * - an object `{ key: datasetName }`: the function takes one object with those keys (or returns one);
 * - `null`/`undefined`: none.
 * @since 0.1.0
 */
export type NodeIO = string | readonly string[] | Readonly<Record<string, string>> | null | undefined;

/**
 * Options of {@link node}.
 *
 * @since 0.1.0
 */
export interface NodeOptions {
  /** Node name (`[\w.-]+`); default `<function name>__<8 hex digits of a hash of function, inputs, outputs>`. */
  name?: string;
  /** Tags, for `pipeline.onlyNodesWithTags`. Each must match `[\w.-]+`. */
  tags?: string | Iterable<string>;
  /** Namespace (dot-separated segments); the node name is prefixed with `namespace.`. */
  namespace?: string;
  /** Datasets on which `catalog.confirm(name)` is called after the node ran. */
  confirms?: string | readonly string[];
  /**
   * Further tries when the function throws (default 0): the function runs again with the same
   * inputs, after `retryDelayMs`. The node's hooks see one run (`onNodeError` only after the last
   * try). Every runner honours it, except for generator nodes on the in-process runners
   * (Sequential, Thread, Parallel), whose chunks are saved as they come: those run once.
   */
  retries?: number;
  /** Milliseconds between tries (default 0). */
  retryDelayMs?: number;
  /**
   * What one run of the node is expected to cost, in milliseconds. A scheduling hint: the
   * DistributedRunner's `groupNodes: 'auto'` runs small nodes together as one job. Other runners
   * ignore it.
   */
  costMs?: number;
}

/**
 * A node function: sync, async, generator or async generator.
 *
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: node functions have arbitrary signatures
export type NodeFunction = (...args: any[]) => unknown;

type IOShape =
  | { readonly kind: 'none' }
  | { readonly kind: 'single'; readonly name: string }
  | { readonly kind: 'list'; readonly names: readonly string[] }
  | { readonly kind: 'dict'; readonly keys: readonly string[]; readonly names: readonly string[] };

const GeneratorFunction = function* () {}.constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;

/** Node fields that {@link Node} copies take; internal. */
interface NodeSpec {
  fn: NodeFunction;
  inputs: IOShape;
  outputs: IOShape;
  name: string;
  namespace: string | undefined;
  tags: ReadonlySet<string>;
  confirms: readonly string[];
  retries: number;
  retryDelayMs: number;
  costMs: number | undefined;
}

/** Type-level only (never set at run time): the outputs a node or pipeline is known to write. */
declare const outputTypes: unique symbol;

/**
 * What a node function's output is when saved: the awaited value, or a generator's chunk.
 *
 * @since 0.1.0
 */
export type NodeOutputValue<F extends NodeFunction> =
  ReturnType<F> extends Generator<infer C, unknown, unknown> | AsyncGenerator<infer C, unknown, unknown>
    ? C
    : Awaited<ReturnType<F>>;

/** `{ [name]: value }` for one literal output name, else any name. */
type SingleOutput<O extends string, V> = string extends O ? RunResult : { [K in O]: V };

/** `{ [names[i]]: value[i] }` for a tuple of literal output names, else any name. */
type ListOutputs<O extends readonly string[], V> = string extends O[number]
  ? RunResult
  : {
      [I in keyof O as I extends `${number}` ? O[I] & string : never]: V extends readonly unknown[]
        ? V[I & keyof V]
        : unknown;
    };

/**
 * A pipeline step: a function, the datasets it reads and the datasets it writes. Immutable; build
 * it with {@link node}. `TOutputs` is type-level only: the names and types of the outputs when
 * `node()` could read them from its arguments.
 *
 * @since 0.1.0
 */
export class Node<TOutputs extends RunResult = RunResult> {
  /** @internal Type-level only, never set: the outputs this node is known to write. */
  declare readonly [outputTypes]?: TOutputs;
  /** The node function. */
  readonly fn: NodeFunction;
  /** Unique name inside a pipeline (namespace-prefixed). */
  readonly name: string;
  /** Namespace (`a.b`), if any. */
  readonly namespace: string | undefined;
  /** Tags. */
  readonly tags: ReadonlySet<string>;
  /** Datasets confirmed after the node ran. */
  readonly confirms: readonly string[];
  /** Further tries when the function throws (`NodeOptions.retries`; 0 by default). */
  readonly retries: number;
  /** Milliseconds between tries (`NodeOptions.retryDelayMs`; 0 by default). */
  readonly retryDelayMs: number;
  /** Expected cost of one run in ms (`NodeOptions.costMs`), if declared. */
  readonly costMs: number | undefined;
  /** Dataset names read, in declaration order (for an object mapping: its values). */
  readonly inputs: readonly string[];
  /** Dataset names written, in declaration order. */
  readonly outputs: readonly string[];
  /** Whether the function is a generator or async-generator function: its outputs are streamed chunk by chunk. */
  readonly streaming: boolean;
  /** @internal */
  readonly _in: IOShape;
  /** @internal */
  readonly _out: IOShape;

  /** @internal Use {@link node}. */
  constructor(spec: NodeSpec) {
    this.fn = spec.fn;
    this._in = spec.inputs;
    this._out = spec.outputs;
    this.name = spec.name;
    this.namespace = spec.namespace;
    this.tags = spec.tags;
    this.confirms = spec.confirms;
    this.retries = spec.retries;
    this.retryDelayMs = spec.retryDelayMs;
    this.costMs = spec.costMs;
    this.inputs = shapeNames(spec.inputs);
    this.outputs = shapeNames(spec.outputs);
    this.streaming = spec.fn instanceof GeneratorFunction || spec.fn instanceof AsyncGeneratorFunction;
    Object.freeze(this);
  }

  /** The function's name, or `'anonymous'`. */
  get funcName(): string {
    return this.fn.name === '' ? 'anonymous' : this.fn.name;
  }

  /** Kedro's rendering: `name: fn([in1, in2]) -> [out]`. */
  toString(): string {
    return `${this.name}: ${this.funcName}(${renderShape(this._in)}) -> ${renderShape(this._out)}`;
  }

  /** A copy with `tags` added. */
  tag(tags: string | Iterable<string>): Node {
    const added = normaliseTags(tags, this.name);
    return new Node({ ...this._spec(), tags: new Set([...this.tags, ...added]) });
  }

  /**
   * Runs the function on `inputs` (dataset name → value; exactly the node's inputs) and returns
   * dataset name → value for its outputs. A streaming node's chunks are collected: each output maps
   * to the array of its chunks. Runners do not use this (they stream); it is for tests and tools.
   */
  async run(inputs: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    const expected = new Set(this.inputs);
    const given = Object.keys(inputs);
    if (given.length !== expected.size || !given.every((k) => expected.has(k))) {
      throw new NodeInputError(
        `Node ${this} expected ${expected.size} input(s) ${listRepr(expected)}, but got the following ${given.length} input(s) instead: ${listRepr(given)}.`,
      );
    }
    const result = this.fn(...this._args(inputs));
    const out: Record<string, unknown> = {};
    if (!this.streaming) {
      for (const [name, value] of this._mapOutputs(await result)) setOwn(out, name, value);
      return out;
    }
    for (const name of this.outputs) setOwn(out, name, []);
    for await (const chunk of result as AsyncIterable<unknown>) {
      for (const [name, value] of this._mapOutputs(chunk)) (out[name] as unknown[]).push(value);
    }
    return out;
  }

  /** @internal Arguments for the function from dataset name → value. */
  _args(values: Readonly<Record<string, unknown>>): unknown[] {
    const shape = this._in;
    switch (shape.kind) {
      case 'none':
        return [];
      case 'single':
        return [values[shape.name]];
      case 'list':
        return shape.names.map((n) => values[n]);
      case 'dict': {
        const arg: Record<string, unknown> = {};
        for (let i = 0; i < shape.keys.length; i++)
          setOwn(arg, shape.keys[i] as string, values[shape.names[i] as string]);
        return [arg];
      }
    }
  }

  /**
   * @internal Arguments for the function from values aligned with {@link Node.inputs} (for a list
   * or a single input, the values are the arguments).
   */
  _argsFromValues(values: unknown[]): unknown[] {
    const shape = this._in;
    if (shape.kind !== 'dict') return values;
    const arg: Record<string, unknown> = {};
    for (let i = 0; i < shape.keys.length; i++) setOwn(arg, shape.keys[i] as string, values[i]);
    return [arg];
  }

  /** @internal `[dataset, value]` pairs from what the function returned (or one streamed chunk). */
  _mapOutputs(result: unknown): [string, unknown][] {
    const shape = this._out;
    switch (shape.kind) {
      case 'none':
        return [];
      case 'single':
        return [[shape.name, result]];
      case 'list': {
        if (!Array.isArray(result)) {
          throw new NodeOutputError(
            `Failed to save outputs of node ${this}.\nThe node definition contains a list of outputs ${listRepr(shape.names)}, whereas the node function returned a '${typeName(result)}'.`,
          );
        }
        if (result.length !== shape.names.length) {
          throw new NodeOutputError(
            `Failed to save outputs of node ${this}.\nThe node function returned ${result.length} output(s), whereas the node definition contains ${shape.names.length} output(s).`,
          );
        }
        return shape.names.map((n, i) => [n, result[i]]);
      }
      case 'dict': {
        if (result === null || typeof result !== 'object' || Array.isArray(result)) {
          throw new NodeOutputError(
            `Failed to save outputs of node ${this}.\nThe node output is a dictionary, whereas the function output is '${typeName(result)}'.`,
          );
        }
        const record = result as Record<string, unknown>;
        const keys = Object.keys(record);
        if (keys.length !== shape.keys.length || !shape.keys.every((k) => Object.hasOwn(record, k))) {
          throw new NodeOutputError(
            `Failed to save outputs of node ${this}.\nThe node's output keys ${setRepr(shape.keys)} do not match with the returned output's keys ${setRepr(keys)}.`,
          );
        }
        return shape.keys.map((k, i) => [shape.names[i] as string, record[k]]);
      }
    }
  }

  /** @internal */
  _spec(): NodeSpec {
    return {
      fn: this.fn,
      inputs: this._in,
      outputs: this._out,
      name: this.name,
      namespace: this.namespace,
      tags: this.tags,
      confirms: this.confirms,
      retries: this.retries,
      retryDelayMs: this.retryDelayMs,
      costMs: this.costMs,
    };
  }

  /** @internal A copy with datasets renamed and name/namespace prefixed (pipeline namespacing). */
  _renamed(
    rename: (dataset: string) => string,
    namespace: string | undefined,
    extraTags: ReadonlySet<string>,
  ): Node {
    const spec = this._spec();
    return new Node({
      ...spec,
      inputs: renameShape(spec.inputs, rename),
      outputs: renameShape(spec.outputs, rename),
      confirms: spec.confirms.map(rename),
      name: namespace === undefined ? spec.name : `${namespace}.${spec.name}`,
      namespace:
        namespace === undefined
          ? spec.namespace
          : spec.namespace === undefined
            ? namespace
            : `${namespace}.${spec.namespace}`,
      tags: extraTags.size === 0 ? spec.tags : new Set([...spec.tags, ...extraTags]),
    });
  }

  /** @internal Same function, name and datasets (Kedro's node equality). */
  _sameAs(other: Node): boolean {
    return (
      this === other ||
      (this.name === other.name &&
        this.fn === other.fn &&
        sameList(this.inputs, other.inputs) &&
        sameList(this.outputs, other.outputs))
    );
  }
}

/**
 * Creates a {@link Node}. Validates everything at construction: function arity against the inputs,
 * dataset names, duplicate outputs, inputs equal to outputs (even transcoded), name and tag syntax.
 *
 * @example
 * ```ts
 * const split = node(splitData, ['cars', 'params:ratio'], ['train', 'test'], { name: 'split', tags: 'prep' });
 * const report = node(({ train }) => train.length, { train: 'train' }, 'n_train');
 * ```
 * @since 0.1.0
 */
export function node<F extends NodeFunction, const O extends string>(
  fn: F,
  inputs: NodeIO,
  outputs: O,
  options?: NodeOptions,
): Node<SingleOutput<O, NodeOutputValue<F>>>;
export function node<F extends NodeFunction, const O extends readonly string[]>(
  fn: F,
  inputs: NodeIO,
  outputs: O,
  options?: NodeOptions,
): Node<ListOutputs<O, NodeOutputValue<F>>>;
export function node(fn: NodeFunction, inputs: NodeIO, outputs: NodeIO, options?: NodeOptions): Node;
export function node(fn: NodeFunction, inputs: NodeIO, outputs: NodeIO, options: NodeOptions = {}): Node {
  if (typeof fn !== 'function') {
    throw new NodeDefinitionError(`node() expects a function as its first argument, got ${typeName(fn)}.`);
  }
  const funcName = fn.name === '' ? 'anonymous' : fn.name;
  const source = safeSource(fn);
  if (source.startsWith('class')) {
    throw new NodeDefinitionError(
      `node() expects a function, got class '${funcName}'; wrap it in a function that constructs and calls it.`,
    );
  }
  const inShape = parseShape(inputs, 'inputs', funcName);
  const outShape = parseShape(outputs, 'outputs', funcName);
  if (inShape.kind === 'none' && outShape.kind === 'none') {
    throw new NodeDefinitionError(
      `Invalid Node definition for '${funcName}': it must have some 'inputs' or 'outputs'.`,
    );
  }
  const outNames = shapeNames(outShape);
  const duplicates = [...new Set(outNames.filter((n, i) => outNames.indexOf(n) !== i))];
  if (duplicates.length > 0) {
    throw new NodeDefinitionError(
      `Failed to create node ${funcName}(${renderShape(inShape)}) -> ${renderShape(outShape)} due to duplicate output(s) ${setRepr(duplicates)}.`,
    );
  }
  const strippedIn = new Set(shapeNames(inShape).map(stripTranscoding));
  const overlap = outNames.filter((n) => strippedIn.has(stripTranscoding(n)));
  if (overlap.length > 0) {
    throw new NodeDefinitionError(
      `Failed to create node ${funcName}(${renderShape(inShape)}) -> ${renderShape(outShape)}.\nA node cannot have the same inputs and outputs even if they are transcoded: ${setRepr(overlap)}`,
    );
  }
  checkArity(fn, inShape, funcName);

  const namespace = options.namespace;
  if (namespace !== undefined && (typeof namespace !== 'string' || !VALID_NAME.test(namespace))) {
    throw new NodeDefinitionError(
      `'${String(namespace)}' is not a valid node namespace of '${funcName}'. It must contain only letters, digits, hyphens, underscores and/or fullstops.`,
    );
  }
  let name: string;
  if (options.name !== undefined) {
    if (typeof options.name !== 'string' || !VALID_NAME.test(options.name)) {
      throw new NodeDefinitionError(
        `'${String(options.name)}' is not a valid node name. It must contain only letters, digits, hyphens, underscores and/or fullstops.`,
      );
    }
    name = options.name;
  } else {
    const hash = createHash('sha256')
      .update(`${funcName}|${JSON.stringify(inputs ?? null)}|${JSON.stringify(outputs ?? null)}`)
      .digest('hex')
      .slice(0, 8);
    name = `${funcName.replace(/[^\w.-]/g, '_')}__${hash}`;
  }
  if (namespace !== undefined) name = `${namespace}.${name}`;
  const tags = options.tags === undefined ? new Set<string>() : normaliseTags(options.tags, name);
  const confirms =
    options.confirms === undefined
      ? []
      : typeof options.confirms === 'string'
        ? [options.confirms]
        : [...options.confirms];
  for (const c of confirms) {
    if (typeof c !== 'string' || c.length === 0) {
      throw new NodeDefinitionError(
        `Node '${name}': confirms must be dataset names (non-empty strings), got ${typeName(c)}.`,
      );
    }
  }
  const count = (value: unknown, option: string, integer: boolean): number | undefined => {
    if (value === undefined) return undefined;
    if (
      typeof value === 'number' &&
      value >= 0 &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value))
    )
      return value;
    throw new NodeDefinitionError(
      `Node '${name}': ${option} must be a non-negative ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value) ?? typeName(value)}.`,
    );
  };
  const retries = count(options.retries, 'retries', true) ?? 0;
  const retryDelayMs = count(options.retryDelayMs, 'retryDelayMs', false) ?? 0;
  const costMs = count(options.costMs, 'costMs', false);
  return new Node({
    fn,
    inputs: inShape,
    outputs: outShape,
    name,
    namespace,
    tags,
    confirms,
    retries,
    retryDelayMs,
    costMs,
  });
}

function parseShape(io: NodeIO, what: 'inputs' | 'outputs', funcName: string): IOShape {
  if (io === null || io === undefined) return { kind: 'none' };
  const check = (n: unknown, where: string): string => {
    if (typeof n !== 'string' || n.length === 0) {
      throw new NodeDefinitionError(
        `Invalid ${what} of node function '${funcName}': ${where} must be a non-empty dataset name, got ${typeName(n)}.`,
      );
    }
    if (/\s/.test(n)) {
      throw new NodeDefinitionError(
        `Invalid ${what} of node function '${funcName}': dataset name '${n}' contains whitespace.`,
      );
    }
    return n;
  };
  if (typeof io === 'string') return { kind: 'single', name: check(io, 'the name') };
  if (Array.isArray(io)) {
    return { kind: 'list', names: io.map((n, i) => check(n, `item ${i}`)) };
  }
  if (typeof io === 'object') {
    const keys = Object.keys(io);
    const record = io as Record<string, unknown>;
    return { kind: 'dict', keys, names: keys.map((k) => check(record[k], `key '${k}'`)) };
  }
  throw new NodeDefinitionError(
    `Invalid ${what} of node function '${funcName}': expected a dataset name, a list of names or an object mapping, got ${typeName(io)}.`,
  );
}

function checkArity(fn: NodeFunction, shape: IOShape, funcName: string): void {
  const given =
    shape.kind === 'none' ? 0 : shape.kind === 'single' || shape.kind === 'dict' ? 1 : shape.names.length;
  const givenText =
    shape.kind === 'dict'
      ? `one object with keys ${listRepr(shape.keys)}`
      : `${given} input(s) ${listRepr(shapeNames(shape))}`;
  const declared = declaredParams(fn);
  const declaredText = declared === undefined ? '' : ` (${declared.names.join(', ')})`;
  if (fn.length > given) {
    throw new NodeDefinitionError(
      `Inputs of '${funcName}' function expected ${fn.length} argument(s)${declaredText}, but got ${givenText}.`,
    );
  }
  if (declared !== undefined && !declared.rest && declared.names.length < given) {
    throw new NodeDefinitionError(
      `Inputs of '${funcName}' function expected ${declared.names.length} argument(s)${declaredText}, but got ${givenText}.`,
    );
  }
}

function normaliseTags(tags: string | Iterable<string>, owner: string): Set<string> {
  const list = typeof tags === 'string' ? [tags] : [...tags];
  for (const t of list) {
    if (typeof t !== 'string' || !VALID_NAME.test(t)) {
      throw new NodeDefinitionError(
        `'${String(t)}' is not a valid node tag of '${owner}'. It must contain only letters, digits, hyphens, underscores and/or fullstops.`,
      );
    }
  }
  return new Set(list);
}

function shapeNames(shape: IOShape): readonly string[] {
  switch (shape.kind) {
    case 'none':
      return [];
    case 'single':
      return [shape.name];
    default:
      return shape.names;
  }
}

function renameShape(shape: IOShape, rename: (n: string) => string): IOShape {
  switch (shape.kind) {
    case 'none':
      return shape;
    case 'single':
      return { kind: 'single', name: rename(shape.name) };
    case 'list':
      return { kind: 'list', names: shape.names.map(rename) };
    case 'dict':
      return { kind: 'dict', keys: shape.keys, names: shape.names.map(rename) };
  }
}

function renderShape(shape: IOShape): string {
  switch (shape.kind) {
    case 'none':
      return 'None';
    case 'single':
      return shape.name;
    case 'list':
      return `[${shape.names.join(', ')}]`;
    case 'dict':
      return `{${shape.keys.map((k, i) => `${k}: ${shape.names[i]}`).join(', ')}}`;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function safeSource(fn: NodeFunction): string {
  try {
    return Function.prototype.toString.call(fn);
  } catch {
    return '';
  }
}

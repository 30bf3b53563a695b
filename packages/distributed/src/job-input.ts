/**
 * The arguments of a job's nodes: values from outside the job travel V8-serialized (inline in the
 * job when small, else in its args file); an argument that is the result of an earlier node of the
 * same job (a group) travels as a link and is filled in on the worker from that node's result.
 *
 * @module
 */
import type { Node } from '@weft/runner';
import { NodeDataTransferError, WorkerJobError } from './errors.js';
import { encodeInline } from './inline-value.js';
import type { ArgLink } from './node-job.js';
import { encodeValue } from './shared-storage.js';

/**
 * Stands for a dataset that an earlier node of the same job produces: the coordinator gives it to
 * the consuming node's task instead of loading the dataset (the value does not exist before the job
 * runs), and the worker replaces it with the producer's result. `beforeNodeRun` hooks see it among
 * the inputs; an override replaces it with a value of their own.
 */
export class GroupInput {
  /** The dataset name. */
  readonly dataset: string;
  /** The node of the same job that produces it. */
  readonly producer: Node;
  /** Which part of the producer's result it is: `null` (one output), an index or a key. */
  readonly select: number | string | null;

  constructor(dataset: string, producer: Node, select: number | string | null) {
    this.dataset = dataset;
    this.producer = producer;
    this.select = select;
    Object.freeze(this);
  }

  /** What hooks print. */
  toString(): string {
    return `[GroupInput ${this.dataset} from node '${this.producer.name}']`;
  }
}

/** Where `dataset` is in `producer`'s result: `null` (its one output), a list index or an object key. */
export function outputSelector(producer: Node, dataset: string): number | string | null {
  const shape = producer._out;
  switch (shape.kind) {
    case 'single':
      return null;
    case 'list':
      return shape.names.indexOf(dataset);
    case 'dict':
      return shape.keys[shape.names.indexOf(dataset)] as string;
    default:
      return null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** One node's arguments as its task invoked it. */
export interface InvokedArgs {
  readonly node: Node;
  readonly args: readonly unknown[];
}

/** The arguments of a job's nodes, ready to send. */
export interface EncodedInput {
  /** The external values (an array of argument arrays, one per node) inline (see `inline-value.ts`), when small. */
  readonly inline?: string;
  /** Otherwise their V8 serialization, for the job's args file. */
  readonly bytes?: Buffer;
  /** Each node's links (undefined when it has none). */
  readonly links: readonly (readonly ArgLink[] | undefined)[];
}

/**
 * Separates the links from the values and serializes the values.
 *
 * @throws {NodeDataTransferError} `ERR_NODE_ARGS_UNSERIALIZABLE` naming the node whose inputs
 * cannot be structured-cloned.
 */
export function encodeJobInput(
  invoked: readonly InvokedArgs[],
  memberOf: (producer: Node) => number | undefined,
  inlineBytes: number,
): EncodedInput {
  const values: unknown[][] = [];
  const links: (ArgLink[] | undefined)[] = [];
  for (const { node, args } of invoked) {
    let own: ArgLink[] | undefined;
    const copy = args.slice();
    const link = (position: number | string, marker: GroupInput): void => {
      const member = memberOf(marker.producer);
      if (member === undefined) {
        throw new NodeDataTransferError(
          'ERR_GROUP_LINK',
          `Node '${node.name}' reads '${marker.dataset}' from node '${marker.producer.name}', which is not in the same job.`,
          node.name,
        );
      }
      own ??= [];
      own.push([position, member, marker.select]);
    };
    for (let i = 0; i < copy.length; i++) {
      const arg = copy[i];
      if (arg instanceof GroupInput) {
        link(i, arg);
        copy[i] = undefined;
      } else if (i === 0 && copy.length === 1 && isPlainObject(arg)) {
        let dict: Record<string, unknown> | undefined;
        for (const key of Object.keys(arg)) {
          const value = arg[key];
          if (value instanceof GroupInput) {
            link(key, value);
            dict ??= { ...arg };
            dict[key] = undefined;
          }
        }
        if (dict !== undefined) copy[0] = dict;
      }
    }
    values.push(copy);
    links.push(own);
  }
  try {
    if (inlineBytes > 0) {
      const text = encodeInline(values);
      if (Buffer.byteLength(text) <= inlineBytes) return { inline: text, links };
    }
    return { bytes: encodeValue(values), links };
  } catch (error) {
    // Name the node whose inputs cannot be cloned.
    let culprit = invoked[0]?.node as Node;
    for (let i = 0; i < values.length; i++) {
      try {
        encodeValue(values[i]);
      } catch {
        culprit = invoked[i]?.node as Node;
        break;
      }
    }
    throw new NodeDataTransferError(
      'ERR_NODE_ARGS_UNSERIALIZABLE',
      `The inputs of node '${culprit.name}' cannot be sent to a worker: ${(error as Error)?.message ?? String(error)}. Node inputs must survive structured cloning (no functions, sockets or class instances with private state).`,
      culprit.name,
      { cause: error },
    );
  }
}

/** Picks a dataset out of a node's result (`select` as in {@link ArgLink}). */
function pick(result: unknown, select: number | string | null): unknown {
  if (select === null) return result;
  if (result === null || typeof result !== 'object') return undefined;
  return Object.hasOwn(result, select) ? (result as Record<string | number, unknown>)[select] : undefined;
}

/**
 * A node's arguments on the worker: its external values with the links filled in from the results
 * of the job's earlier nodes.
 *
 * @throws {WorkerJobError} `ERR_JOB_PAYLOAD` when the decoded values are not an argument list.
 */
export function argumentsOf(
  jobId: string,
  node: string,
  external: unknown,
  links: readonly ArgLink[] | undefined,
  results: readonly unknown[],
): unknown[] {
  if (!Array.isArray(external)) {
    throw new WorkerJobError(
      'ERR_JOB_PAYLOAD',
      `The inputs of node '${node}' in job ${jobId} are not an argument list.`,
    );
  }
  if (links === undefined) return external;
  const args = external.slice();
  for (const [position, member, select] of links) {
    const value = pick(results[member], select);
    if (typeof position === 'number') {
      args[position] = value;
    } else {
      const dict = args[0];
      if (dict === null || typeof dict !== 'object') {
        throw new WorkerJobError(
          'ERR_JOB_PAYLOAD',
          `The inputs of node '${node}' in job ${jobId} have a keyed link but no object argument.`,
        );
      }
      Object.defineProperty(dict, position, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return args;
}

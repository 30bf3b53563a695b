import { describe, expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import { describeRunFailure } from '../src/extend.js';
import {
  CircularDependencyError,
  DataCatalog,
  DatasetConfigError,
  DatasetError,
  DatasetNotFoundError,
  NodeDefinitionError,
  NodeFailedError,
  node,
  PipelineError,
  PipelineFilterError,
  pipeline,
  RunCancelledError,
  RunnerConfigError,
  RunnerError,
  RunTimeoutError,
  SequentialRunner,
} from '../src/index.js';
import { identity } from './fixtures/nodes.js';

const resume = { fromNodes: [], remaining: 1, message: 'hint' };

describe('RunnerError.is', () => {
  it('recognises errors of the class and its subclasses, and nothing else', () => {
    const notFound = new DatasetNotFoundError('ERR_DATASET_NOT_FOUND', "Dataset 'x' not found");
    expect(RunnerError.is(notFound)).toBe(true);
    expect(DatasetError.is(notFound)).toBe(true);
    expect(DatasetNotFoundError.is(notFound)).toBe(true);
    expect(DatasetConfigError.is(notFound)).toBe(false);
    expect(PipelineError.is(notFound)).toBe(false);
    const lookalike = Object.assign(new Error("Dataset 'x' not found"), {
      name: 'DatasetNotFoundError',
      code: 'ERR_DATASET_NOT_FOUND',
    });
    for (const value of [lookalike, null, undefined, 'ERR_NODE_FAILED', { code: 'ERR_NODE_FAILED' }]) {
      expect(RunnerError.is(value)).toBe(false);
      expect(DatasetNotFoundError.is(value)).toBe(false);
    }
  });

  it('recognises errors made by another copy of the package, where instanceof does not', async () => {
    const other = await importSecondCopy<typeof import('../src/errors.js')>(
      new URL('../src/errors.ts', import.meta.url),
    );
    expect(other.RunnerError).not.toBe(RunnerError);
    const foreign = new other.NodeFailedError('n', new Error('boom'), { resume });
    expect(foreign instanceof NodeFailedError).toBe(false);
    expect(NodeFailedError.is(foreign)).toBe(true);
    expect(RunnerError.is(foreign)).toBe(true);
    expect(RunCancelledError.is(foreign)).toBe(false);
    expect(other.RunTimeoutError.is(new RunTimeoutError('late', { abandonedNodes: [], resume }))).toBe(true);
  });

  it('keeps the marker off the error own properties', () => {
    const error = new NodeDefinitionError('bad');
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
    expect(structuredClone(error).message).toBe('bad');
  });
});

describe('codes', () => {
  it('are fixed by the classes that have one code', () => {
    expect(new NodeDefinitionError('m').code).toBe('ERR_NODE_DEFINITION');
    expect(new CircularDependencyError('m', { cycle: ['a', 'b', 'a'] }).code).toBe('ERR_CIRCULAR_DEPENDENCY');
    const cancelled = new RunCancelledError('m', { abandonedNodes: ['a'], resume, cause: 'why' });
    expect(cancelled.code).toBe('ERR_RUN_CANCELLED');
    expect(cancelled.cause).toBe('why');
    expect(cancelled.abandonedNodes).toEqual(['a']);
    const timeout = new RunTimeoutError('m', { abandonedNodes: [], resume });
    expect(timeout.code).toBe('ERR_RUN_TIMEOUT');
    expect(RunCancelledError.is(timeout)).toBe(true);
    expect(timeout.name).toBe('RunTimeoutError');
  });

  it('and the details given as options reach their fields, never Error itself', () => {
    const filter = new PipelineFilterError('ERR_PIPELINE_UNKNOWN_TAG', 'm', {
      filter: 'tags',
      unknown: ['x'],
      available: ['a'],
    });
    expect([filter.filter, filter.unknown, filter.available, filter.applied]).toEqual([
      'tags',
      ['x'],
      ['a'],
      {},
    ]);
    expect('cause' in filter).toBe(false);
    const config = new DatasetConfigError('ERR_DATASET_CONFIG', 'm', { dataset: 'd', key: 'type' });
    expect([config.dataset, config.key, 'cause' in config]).toEqual(['d', 'type', false]);
    const failed = new NodeFailedError('n', new Error('boom'), { resume });
    expect(failed.message).toBe("Node 'n' failed: boom\nhint");
    expect([failed.otherFailures, failed.abandonedNodes]).toEqual([[], []]);
  });
});

describe('describeRunFailure', () => {
  it("names the failed node and its cause's class, of this copy of the package or another", async () => {
    const failed = new NodeFailedError('train', new RangeError('bad split'), { resume });
    expect(describeRunFailure(failed)).toBe("Node 'train' failed: RangeError: bad split");
    const other = await importSecondCopy<typeof import('../src/errors.js')>(
      new URL('../src/errors.ts', import.meta.url),
    );
    const foreign = new other.NodeFailedError('train', 'a string', { resume });
    expect(foreign instanceof NodeFailedError).toBe(false);
    expect(describeRunFailure(foreign)).toBe("Node 'train' failed: a string");
  });

  it('gives any other failure as `Name: message`, and a thrown non-error as itself', () => {
    expect(describeRunFailure(new RunCancelledError('stopped', { abandonedNodes: [], resume }))).toMatch(
      /^RunCancelledError: stopped/,
    );
    expect(describeRunFailure(42)).toBe('42');
  });
});

describe('a beforeNodeRun override of something that is not an input', () => {
  it('fails the node with a RunnerConfigError (ERR_RUNNER_HOOKS) naming the key and the node', async () => {
    const p = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
    const err = await new SequentialRunner()
      .run(p, new DataCatalog({ x: 1 }), { hooks: [{ beforeNodeRun: () => ({ z: 2 }) }] })
      .catch((e: unknown) => e);
    expect(NodeFailedError.is(err)).toBe(true);
    const cause = (err as NodeFailedError).cause;
    expect(RunnerConfigError.is(cause)).toBe(true);
    expect((cause as RunnerConfigError).code).toBe('ERR_RUNNER_HOOKS');
    expect((cause as Error).message).toBe(
      "'beforeNodeRun' returned an override for 'z', which is not an input of node 'n' (inputs: x).",
    );
  });
});

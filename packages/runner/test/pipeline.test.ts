import { describe, expect, it } from 'vitest';
import {
  CircularDependencyError,
  ConfirmNotUniqueError,
  DuplicateNodeNameError,
  type Node,
  node,
  OutputNotUniqueError,
  type Pipeline,
  PipelineError,
  PipelineFilterError,
  pipeline,
} from '../src/index.js';

function identity(x: unknown) {
  return x;
}
function biconcat(a: unknown, b: unknown) {
  return [a, b];
}
function triconcat(a: unknown, b: unknown, c: unknown) {
  return [a, b, c];
}

// Kedro's fan_out_fan_in: A→B, B→C, B→D, B→E, (C,D,E)→Z
function fanOutFanIn(): Pipeline {
  return pipeline([
    node(identity, 'A', 'B', { name: 'node1' }),
    node(identity, 'B', 'C', { name: 'node2' }),
    node(identity, 'B', 'D', { name: 'node3' }),
    node(identity, 'B', 'E', { name: 'node4' }),
    node(triconcat, ['C', 'D', 'E'], 'Z', { name: 'node5' }),
  ]);
}

describe('Pipeline graph', () => {
  it('computes free inputs, free outputs and datasets', () => {
    const p = fanOutFanIn();
    expect([...p.inputs()]).toEqual(['A']);
    expect([...p.outputs()]).toEqual(['Z']);
    expect([...p.datasets()].sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'Z']);
  });

  it('orders nodes topologically in deterministic, name-sorted layers', () => {
    const p = pipeline([
      node(identity, 'ds3', 'ds4', { name: 'd' }),
      node(identity, 'ds1', 'ds2', { name: 'b' }),
      node(identity, 'ds0', 'ds1', { name: 'a' }),
      node(identity, 'ds2', 'ds3', { name: 'c' }),
      node(() => 'x', null, 'ds0', { name: 'source' }),
    ]);
    expect(p.nodes.map((n) => n.name)).toEqual(['source', 'a', 'b', 'c', 'd']);
    const f = fanOutFanIn();
    expect(f.groupedNodes.map((g) => g.map((n) => n.name))).toEqual([
      ['node1'],
      ['node2', 'node3', 'node4'],
      ['node5'],
    ]);
    const deps = f.nodeDependencies;
    const z = f.getNode('node5') as Node;
    expect([...(deps.get(z) ?? [])].map((n) => n.name).sort()).toEqual(['node2', 'node3', 'node4']);
  });

  it('treats transcoded names as one dataset for dependencies', () => {
    const p = pipeline([
      node(identity, 'raw', 'ds@save', { name: 'w' }),
      node(identity, 'ds@load', 'out', { name: 'r' }),
    ]);
    expect([...p.inputs()]).toEqual(['raw']);
    expect([...p.outputs()]).toEqual(['out']);
    expect(p.nodes.map((n) => n.name)).toEqual(['w', 'r']);
  });

  it('names the cycle', () => {
    try {
      pipeline([
        node(identity, 'a', 'b', { name: 'n1' }),
        node(identity, 'b', 'c', { name: 'n2' }),
        node(identity, 'c', 'a', { name: 'n3' }),
        node(identity, 'c', 'd', { name: 'n4' }),
      ]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CircularDependencyError);
      const err = e as CircularDependencyError;
      expect(err.message).toBe(
        "Circular dependencies exist among the following 4 item(s): ['n1', 'n2', 'n3', 'n4']. One cycle: n1 -> n2 -> n3 -> n1",
      );
      expect(err.cycle).toEqual(['n1', 'n2', 'n3', 'n1']);
    }
  });

  it('rejects duplicate node names, duplicate outputs and duplicate confirms', () => {
    expect(() =>
      pipeline([node(identity, 'a', 'b', { name: 'x' }), node(identity, 'c', 'd', { name: 'x' })]),
    ).toThrow(DuplicateNodeNameError);
    expect(() =>
      pipeline([node(identity, 'a', 'b', { name: 'x' }), node(identity, 'c', 'd', { name: 'x' })]),
    ).toThrow(/appear more than once: \['x'\]/);
    const err = (() => {
      try {
        pipeline([
          node(identity, 'a', 'out', { name: 'w1' }),
          node(identity, 'b', 'out@csv', { name: 'w2' }),
        ]);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(OutputNotUniqueError);
    expect(err?.message).toBe(
      "Output(s) 'out@csv' (written by 'w1' and 'w2') are returned by more than one node. Node outputs must be unique.",
    );
    expect(() =>
      pipeline([
        node(identity, 'a', 'b', { name: 'x', confirms: 'c' }),
        node(identity, 'b', 'd', { name: 'y', confirms: 'c' }),
      ]),
    ).toThrow(ConfirmNotUniqueError);
  });

  it('deduplicates the same node reached through two pipelines', () => {
    const n = node(identity, 'a', 'b', { name: 'x' });
    const p = pipeline([pipeline([n]), pipeline([n]), n]);
    expect(p.nodes).toHaveLength(1);
  });

  it('rejects things that are not nodes', () => {
    expect(() => pipeline([identity as never])).toThrow(/did you pass a function instead of node/);
  });
});

describe('Pipeline set operations', () => {
  const a = node(identity, 'x', 'y', { name: 'a' });
  const b = node(identity, 'y', 'z', { name: 'b' });
  const c = node(identity, 'z', 'w', { name: 'c' });

  it('adds, subtracts and intersects', () => {
    const p1 = pipeline([a, b]);
    const p2 = pipeline([b, c]);
    expect(p1.add(p2).nodeNames).toEqual(['a', 'b', 'c']);
    expect(p1.add(p2).subtract(p2).nodeNames).toEqual(['a']);
    expect(p1.intersect(p2).nodeNames).toEqual(['b']);
  });

  it('refuses a union with two different nodes of one name', () => {
    const other = node(identity, 'q', 'r', { name: 'a' });
    expect(() => pipeline([a]).add(pipeline([other]))).toThrow(DuplicateNodeNameError);
  });
});

describe('Pipeline filters', () => {
  const p = pipeline([
    node(identity, 'raw', 'clean', { name: 'clean', tags: ['prep'] }),
    node(identity, 'clean', 'features', { name: 'feat', tags: ['prep', 'ml'] }),
    node(biconcat, ['features', 'params:k'], 'model', { name: 'train', tags: ['ml'] }),
    node(identity, 'model', 'report', { name: 'report' }),
    node(identity, 'raw', 'audit', { name: 'audit', namespace: 'qa.checks' }),
  ]);

  it('onlyNodes, with a hint for namespaced names', () => {
    expect(p.onlyNodes('train', 'clean').nodeNames).toEqual(['clean', 'train']);
    expect(() => p.onlyNodes('nope')).toThrow("Pipeline does not contain nodes named ['nope'].");
    expect(() => p.onlyNodes('audit')).toThrow("Did you mean: ['qa.checks.audit']?");
  });

  it('onlyNodesWithTags matches ANY tag; none gives an empty pipeline', () => {
    expect(p.onlyNodesWithTags('prep').nodeNames).toEqual(['clean', 'feat']);
    expect(p.onlyNodesWithTags('prep', 'ml').nodeNames).toEqual(['clean', 'feat', 'train']);
    expect(p.onlyNodesWithTags().nodes).toHaveLength(0);
  });

  it('fromNodes and toNodes', () => {
    expect(p.fromNodes('feat').nodeNames).toEqual(['feat', 'train', 'report']);
    expect(p.toNodes('train').nodeNames).toEqual(['clean', 'feat', 'train']);
  });

  it('fromInputs and toOutputs (transitive), onlyNodesWithInputs/Outputs (not)', () => {
    expect(p.fromInputs('features').nodeNames).toEqual(['train', 'report']);
    expect(p.toOutputs('features').nodeNames).toEqual(['clean', 'feat']);
    expect(p.onlyNodesWithInputs('raw').nodeNames.sort()).toEqual(['clean', 'qa.checks.audit']);
    expect(p.onlyNodesWithOutputs('model').nodeNames).toEqual(['train']);
    expect(() => p.toOutputs('nothing')).toThrow("Pipeline does not contain datasets named ['nothing']");
  });

  it('onlyNodesWithNamespaces matches a namespace and any below it', () => {
    expect(p.onlyNodesWithNamespaces('qa').nodeNames).toEqual(['qa.checks.audit']);
    expect(p.onlyNodesWithNamespaces('qa.checks').nodeNames).toEqual(['qa.checks.audit']);
    expect(() => p.onlyNodesWithNamespaces('q')).toThrow(
      "Pipeline does not contain nodes with namespace(s) ['q'].",
    );
  });

  it('filter() intersects every given filter, independent of order, and refuses an empty result', () => {
    expect(p.filter({ tags: ['ml'], fromNodes: ['feat'] }).nodeNames).toEqual(['feat', 'train']);
    expect(p.filter({ fromNodes: ['feat'], tags: ['ml'] }).nodeNames).toEqual(['feat', 'train']);
    expect(p.filter({ fromInputs: ['clean'], toOutputs: ['model'] }).nodeNames).toEqual(['feat', 'train']);
    expect(() => p.filter({ tags: ['prep'], fromNodes: ['report'] })).toThrow(
      "Pipeline contains no nodes after applying all provided filters (tags: ['prep']; fromNodes: ['report']): each filter selects nodes, but no node is selected by all of them.",
    );
  });

  it('filter() names an unknown tag and lists the tags there are, even beside a known one', () => {
    for (const tags of [['nosuch'], ['prep', 'nosuch']]) {
      let error: unknown;
      try {
        p.filter({ tags });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PipelineFilterError);
      const e = error as PipelineFilterError;
      expect(e.code).toBe('ERR_PIPELINE_UNKNOWN_TAG');
      expect(e.message).toBe("Pipeline has no nodes with tag(s) ['nosuch']. Tags in the pipeline: ml, prep.");
      expect([e.filter, e.unknown, e.available]).toEqual(['tags', ['nosuch'], ['ml', 'prep']]);
    }
  });

  it.each([
    [{ fromNodes: ['nope'] }, 'fromNodes', 'ERR_PIPELINE_UNKNOWN_NODE', 'Nodes in the pipeline: clean, feat'],
    [{ toNodes: ['nope'] }, 'toNodes', 'ERR_PIPELINE_UNKNOWN_NODE', 'clean, feat, qa.checks.audit'],
    [{ nodeNames: ['nope'] }, 'nodeNames', 'ERR_PIPELINE_UNKNOWN_NODE', 'report, train.'],
    [
      { fromInputs: ['nope'] },
      'fromInputs',
      'ERR_PIPELINE_UNKNOWN_DATASET',
      'Datasets in the pipeline: audit',
    ],
    [{ toOutputs: ['nope'] }, 'toOutputs', 'ERR_PIPELINE_UNKNOWN_DATASET', 'params:k, raw, report.'],
    [
      { nodeNamespaces: ['nope'] },
      'nodeNamespaces',
      'ERR_PIPELINE_UNKNOWN_NAMESPACE',
      'Namespaces in the pipeline: qa, qa.checks.',
    ],
  ] as const)(
    'filter(%j) names the unknown name, its filter and what there is',
    (filters, filter, code, listed) => {
      let error: unknown;
      try {
        p.filter(filters);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PipelineFilterError);
      const e = error as PipelineFilterError;
      expect([e.code, e.filter, e.unknown]).toEqual([code, filter, ['nope']]);
      expect(e.message).toContain("['nope']");
      expect(e.message).toContain(listed);
      expect(e.available.length).toBeGreaterThan(0);
    },
  );
});

describe('namespacing', () => {
  const base = pipeline([
    node(identity, 'raw', 'clean', { name: 'clean' }),
    node(biconcat, ['clean', 'params:k'], 'model', { name: 'fit' }),
  ]);

  it('prefixes node names, datasets and parameters', () => {
    const p = pipeline([base], { namespace: 'ds' });
    expect(p.nodeNames).toEqual(['ds.clean', 'ds.fit']);
    expect(p.getNode('ds.fit')?.inputs).toEqual(['ds.clean', 'params:ds.k']);
    expect([...p.inputs()].sort()).toEqual(['ds.raw', 'params:ds.k']);
    expect(p.getNode('ds.fit')?.namespace).toBe('ds');
  });

  it('keeps or renames inputs, outputs and parameters given in the mapping', () => {
    const p = pipeline([base], {
      namespace: 'ds',
      inputs: 'raw',
      outputs: { model: 'final_model' },
      parameters: { k: 'shared_k' },
    });
    expect([...p.inputs()].sort()).toEqual(['params:shared_k', 'raw']);
    expect([...p.outputs()]).toEqual(['final_model']);
    expect(p.getNode('ds.clean')?.outputs).toEqual(['ds.clean']);
  });

  it('nests namespaces', () => {
    const inner = pipeline([base], { namespace: 'inner' });
    const outer = pipeline([inner], { namespace: 'outer', inputs: { 'inner.raw': 'raw' } });
    expect(outer.nodeNames).toEqual(['outer.inner.clean', 'outer.inner.fit']);
    expect(outer.getNode('outer.inner.clean')?.namespace).toBe('outer.inner');
    expect([...outer.inputs()].sort()).toEqual(['params:outer.inner.k', 'raw']);
    expect(outer.onlyNodesWithNamespaces('outer').nodes).toHaveLength(2);
  });

  it('rejects mappings of unknown datasets and of non-free inputs', () => {
    expect(() => pipeline([base], { namespace: 'x', inputs: 'nope' })).toThrow(
      'Failed to map datasets and/or parameters onto the nodes provided: nope',
    );
    expect(() => pipeline([base], { namespace: 'x', inputs: 'clean' })).toThrow(PipelineError);
  });

  it('adds tags to every node', () => {
    const p = pipeline([base], { tags: 'v1' });
    expect(p.nodes.every((n) => n.tags.has('v1'))).toBe(true);
    expect(p.nodeNames).toEqual(['clean', 'fit']);
  });
});

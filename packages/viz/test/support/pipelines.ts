/**
 * Test pipelines: a small spaceflights-like project (two namespaces, tags, file and memory
 * datasets, parameters) whose nodes can be gated, and a generated pipeline of any size.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataCatalog, JSONDataset, node, type Pipeline, pipeline } from '@weft/runner';
import * as fns from '../fixtures/nodes.js';

/** The module of the node functions (for ParallelRunner and DistributedRunner). */
export const NODES_MODULE = new URL('../fixtures/nodes.ts', import.meta.url).href;

/** The small pipeline: 5 nodes in namespaces `prep` and `model` plus one at the top. */
export function smallPipeline(): Pipeline {
  return pipeline([
    node(fns.preprocessCompanies, 'companies', 'prep.companies_clean', {
      name: 'preprocess_companies',
      namespace: 'prep',
      tags: ['data_processing'],
    }),
    node(fns.preprocessShuttles, 'shuttles', 'prep.shuttles_clean', {
      name: 'preprocess_shuttles',
      namespace: 'prep',
      tags: ['data_processing'],
    }),
    node(fns.createModelInput, ['prep.companies_clean', 'prep.shuttles_clean'], 'model_input', {
      name: 'create_model_input',
      tags: ['data_processing'],
    }),
    node(fns.trainModel, ['model_input', 'params:model'], 'model.regressor', {
      name: 'train_model',
      namespace: 'model',
      tags: ['data_science'],
    }),
    node(fns.evaluateModel, 'model.regressor', 'model.metrics', {
      name: 'evaluate_model',
      namespace: 'model',
      tags: ['data_science', 'reporting'],
    }),
  ]);
}

/** Node names of the small pipeline, in topological order. */
export const SMALL_NODES = [
  'prep.preprocess_companies',
  'prep.preprocess_shuttles',
  'create_model_input',
  'model.train_model',
  'model.evaluate_model',
];

/** Raw data and the catalog of the small pipeline, in `dir`. */
export function smallCatalog(dir: string): DataCatalog {
  mkdirSync(join(dir, 'data', '01_raw'), { recursive: true });
  writeFileSync(
    join(dir, 'data', '01_raw', 'companies.json'),
    JSON.stringify([
      { id: 'c1', rating: '90%' },
      { id: 'c2', rating: '75%' },
    ]),
  );
  writeFileSync(
    join(dir, 'data', '01_raw', 'shuttles.json'),
    JSON.stringify([
      { id: 's1', capacity: '4' },
      { id: 's2', capacity: '6' },
    ]),
  );
  return new DataCatalog({
    companies: new JSONDataset({ filepath: join(dir, 'data', '01_raw', 'companies.json') }),
    shuttles: new JSONDataset({ filepath: join(dir, 'data', '01_raw', 'shuttles.json') }),
    model_input: new JSONDataset({ filepath: join(dir, 'data', '03_primary', 'model_input.json') }),
    'model.metrics': new JSONDataset({ filepath: join(dir, 'data', '08_reporting', 'metrics.json') }),
    'params:model': { scale: 2 },
  });
}

/**
 * A generated pipeline of `count` nodes in `namespaces` namespaces, Kedro-like: each node reads one
 * or two recent outputs of its namespace, now and then an output of an earlier namespace or a
 * parameter, and writes one or two datasets. Deterministic.
 */
export function generatedPipeline(count: number, namespaces = 10): Pipeline {
  let seed = 11;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const per = Math.ceil(count / namespaces);
  const nodes = [];
  const outputsOf: string[][] = [];
  for (let s = 0; s < namespaces; s++) {
    const ns = `ns_${s}`;
    const local: string[] = [];
    for (let i = 0; i < per && nodes.length < count; i++) {
      const inputs = new Set<string>();
      if (local.length === 0) {
        inputs.add(`raw_${s}`);
        const prev = outputsOf[s - 1];
        if (prev !== undefined) inputs.add(prev[prev.length - 1] as string);
      } else {
        const k = 1 + Math.floor(random() * 2);
        for (let j = 0; j < k; j++) {
          const lo = Math.max(0, local.length - 8);
          inputs.add(local[lo + Math.floor(random() * (local.length - lo))] as string);
        }
      }
      if (s > 0 && random() < 0.1) {
        const prev = outputsOf[Math.floor(random() * s)] as string[];
        inputs.add(prev[Math.floor(random() * prev.length)] as string);
      }
      if (random() < 0.2) inputs.add(`params:p${i % 5}`);
      const outputs = [`${ns}.ds_${i}`];
      if (random() < 0.25) outputs.push(`${ns}.ds_${i}_b`);
      local.push(...outputs);
      nodes.push(
        node(fns.passThrough, [...inputs], outputs.length === 1 ? outputs[0] : outputs, {
          name: `step_${i}`,
          namespace: ns,
          tags: [i % 2 === 0 ? 'even' : 'odd'],
        }),
      );
    }
    outputsOf.push(local);
  }
  return pipeline(nodes);
}

/**
 * After a run that failed for want of context, `weft run` says what happened in plain words; after
 * a `--no-context` run, what the flag did. Real runs of the bin, and the explanation itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainContextFailure } from '../src/context-explanation.js';
import { copyProject, type TempProject, weft } from './support/projects.js';

/** The reporting node hands its logging to an executor that drops the context (Python's thread pool). */
const EXECUTOR_NODES = `import { AsyncExecutor } from '@weft/executor';
import { getRunLogger } from '@weft/prefect-bridge';

function logRows(rows: number): number {
  getRunLogger().info(\`\${rows} rows\`);
  return rows;
}

export async function summarise(table: unknown[], _model: unknown, _settings: unknown, _status: unknown) {
  const executor = new AsyncExecutor({ maxWorkers: 2, propagateContext: false });
  try {
    return { rows: await executor.submit(logRows, table.length).result() };
  } finally {
    await executor.shutdown({ wait: true });
  }
}
`;

describe('weft run explains context failures', () => {
  let project: TempProject;
  beforeAll(async () => {
    project = await copyProject();
    await project.write(
      'package.json',
      '{ "name": "spaceflights-mini", "private": true, "type": "module", "dependencies": { "@weft/prefect-bridge": "*" } }\n',
    );
    await project.write('src/pipelines/reporting/nodes.ts', EXECUTOR_NODES);
  });
  afterAll(() => project?.remove());

  it('getRunLogger() in work handed to an executor without context: the node, the cause, the known issues', async () => {
    const result = await weft(project.dir, ['run', '--runner', 'thread']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Error in node 'reporting.summarise': MissingContextError");
    expect(result.stderr).toContain(
      "Node 'reporting.summarise' called getRunLogger() where no flow run or task run was bound",
    );
    expect(result.stderr).toContain('an executor created with propagateContext: false');
    expect(result.stderr).toContain('PrefectHQ/prefect#8652');
    expect(result.stderr).not.toContain('(--no-context)');
  });

  it('--no-context: a completed run says what the flag did', async () => {
    const other = await copyProject();
    try {
      const result = await weft(other.dir, ['run', '--no-context']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('Ran with context propagation off (--no-context)');
      const plain = await weft(other.dir, ['run']);
      expect(plain.stderr).not.toContain('--no-context');
    } finally {
      await other.remove();
    }
  });
});

describe('explainContextFailure', () => {
  const lookup = Object.assign(
    new Error("ContextVar 'shop.tenant' has no value in the current context and no default"),
    {
      name: 'LookupError',
      code: 'ERR_CONTEXTVAR_LOOKUP',
      varName: 'shop.tenant',
    },
  );

  it('finds the context error anywhere in the cause chain and names the variable', () => {
    const text = explainContextFailure(
      new Error('node failed', { cause: new Error('wrapped', { cause: lookup }) }),
      {
        propagateContext: false,
        node: 'profile',
      },
    );
    expect(text).toContain(
      "Node 'profile' read the context variable 'shop.tenant', which had no value there.",
    );
    expect(text).toContain('(--no-context)');
    expect(text).toContain('Run again without --no-context');
  });

  it('is silent for other failures, and survives a cyclic cause chain', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(explainContextFailure(a, { propagateContext: true })).toBeUndefined();
    expect(explainContextFailure(undefined, { propagateContext: true })).toBeUndefined();
  });
});

import { copyContext, deserializeContext, serializeContext } from '@weft/contextvars';
import { describe, expect, it } from 'vitest';
import {
  type FlowRunInfo,
  getRunContext,
  InvalidRunContextError,
  MissingContextError,
  runInFlowRun,
  runInTaskRun,
  type TaskRunInfo,
  tryGetRunContext,
} from '../src/index.js';
import { FLOW_RUN_VAR_NAME, TASK_RUN_VAR_NAME } from '../src/run-context.js';

const flowRun: FlowRunInfo = { id: 'f-1', name: 'brave-otter', flowName: 'etl' };
const taskRun: TaskRunInfo = { id: 't-1', name: 'load-0', taskName: 'load', flowRunId: 'f-1' };

describe('getRunContext', () => {
  it("throws Prefect's MissingContextError outside any run", () => {
    expect(() => getRunContext()).toThrow(MissingContextError);
    expect(() => getRunContext()).toThrow('There is no active flow or task run context.');
    expect(tryGetRunContext()).toBeUndefined();
    try {
      getRunContext();
    } catch (error) {
      expect((error as MissingContextError).code).toBe('MISSING_CONTEXT');
      expect((error as Error).name).toBe('MissingContextError');
    }
  });

  it('returns the flow run inside a flow run', () => {
    runInFlowRun(flowRun, () => {
      const ctx = getRunContext();
      expect(ctx.kind).toBe('flow');
      expect(ctx.flowRun).toEqual(flowRun);
      expect(ctx.taskRun).toBeUndefined();
    });
  });

  it('returns the task run (with its flow run) inside a task run of that flow run', () => {
    runInFlowRun(flowRun, () =>
      runInTaskRun(taskRun, () => {
        const ctx = getRunContext();
        expect(ctx).toEqual({ kind: 'task', taskRun, flowRun });
      }),
    );
  });

  it('returns the task run alone for a standalone task run', () => {
    runInTaskRun({ ...taskRun, flowRunId: null }, () => {
      const ctx = getRunContext();
      expect(ctx.kind).toBe('task');
      expect(ctx.flowRun).toBeUndefined();
    });
  });

  it('returns the flow run for a subflow started inside a task (ids differ)', () => {
    runInFlowRun(flowRun, () =>
      runInTaskRun(taskRun, () =>
        runInFlowRun({ id: 'sub', name: 'sub-run', flowName: 'child' }, () => {
          const ctx = getRunContext();
          expect(ctx.kind).toBe('flow');
          expect(ctx.flowRun?.id).toBe('sub');
        }),
      ),
    );
  });

  it('binds in a copy: nothing leaks to the caller, and async continuations keep it', async () => {
    const seen = await runInFlowRun(flowRun, () =>
      runInTaskRun(taskRun, async () => {
        await new Promise((r) => setTimeout(r, 5));
        const inTimer = await new Promise<string>((resolve) =>
          setTimeout(
            () => resolve(getRunContext().kind === 'task' ? (getRunContext().taskRun?.id ?? '') : ''),
            1,
          ),
        );
        return inTimer;
      }),
    );
    expect(seen).toBe('t-1');
    expect(tryGetRunContext()).toBeUndefined();
  });

  it('keeps concurrent task runs apart', async () => {
    const ids = await runInFlowRun(flowRun, () =>
      Promise.all(
        ['a', 'b', 'c'].map((n, i) =>
          runInTaskRun({ id: n, name: n, taskName: n, flowRunId: 'f-1' }, async () => {
            await new Promise((r) => setTimeout(r, 10 - i * 3));
            return getRunContext().taskRun?.id;
          }),
        ),
      ),
    );
    expect(ids).toEqual(['a', 'b', 'c']);
  });
});

describe('run-context variables cross boundaries', () => {
  it('serialize with Prefect field names and come back equal', () => {
    const wire = runInFlowRun(flowRun, () => runInTaskRun(taskRun, () => serializeContext()));
    expect(wire.vars[FLOW_RUN_VAR_NAME]).toEqual({ id: 'f-1', name: 'brave-otter', flow_name: 'etl' });
    expect(wire.vars[TASK_RUN_VAR_NAME]).toEqual({
      id: 't-1',
      name: 'load-0',
      task_name: 'load',
      flow_run_id: 'f-1',
    });
    const back = deserializeContext(JSON.parse(JSON.stringify(wire)));
    expect(back.run(() => getRunContext())).toEqual({ kind: 'task', taskRun, flowRun });
  });

  it('reject a malformed value with an error naming the variable and field', () => {
    const bad = {
      v: 1,
      vars: { [TASK_RUN_VAR_NAME]: { id: 5, name: 'x', task_name: 'x', flow_run_id: null } },
    } as const;
    let caught: unknown;
    try {
      deserializeContext(bad);
    } catch (error) {
      caught = error;
    }
    expect(String(caught)).toMatch(/weft.prefect.task_run/);
    const cause = (caught as Error).cause;
    expect(cause).toBeInstanceOf(InvalidRunContextError);
    expect((cause as Error).message).toBe(
      "Context variable 'weft.prefect.task_run' arrived with an invalid 'id' (5); expected a string",
    );
    expect(() => deserializeContext({ v: 1, vars: { [FLOW_RUN_VAR_NAME]: 'nope' } })).toThrow(
      /weft.prefect.flow_run/,
    );
  });

  it('are not bound in a fresh copy of the root context', () => {
    expect(copyContext().run(() => tryGetRunContext())).toBeUndefined();
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import {
  disableRunLogger,
  type FlowRunInfo,
  flowRunLogger,
  getRunLogger,
  MissingContextError,
  PrefectBridgeError,
  runInFlowRun,
  runInTaskRun,
  type TaskRunInfo,
  taskRunLogger,
} from '../src/index.js';
import { LogLevel, MemorySink, setDefaultSinks } from '../src/logging.js';

const flowRun: FlowRunInfo = { id: 'f-1', name: 'brave-otter', flowName: 'etl' };
const taskRun: TaskRunInfo = { id: 't-1', name: 'load-0', taskName: 'load', flowRunId: 'f-1' };

let sink: MemorySink;
beforeEach(() => {
  sink = new MemorySink();
  setDefaultSinks([sink]);
});

describe('getRunLogger', () => {
  it('throws MissingContextError outside a run', () => {
    expect(() => getRunLogger()).toThrow(MissingContextError);
    expect(() => getRunLogger()).toThrow('There is no active flow or task run context.');
  });

  it('inside a task run is prefect.task_runs with the task and flow fields', () => {
    runInFlowRun(flowRun, () =>
      runInTaskRun(taskRun, () => {
        const logger = getRunLogger({ node: 'load' });
        expect(logger.name).toBe('prefect.task_runs');
        expect(logger.extra).toEqual({
          task_run_id: 't-1',
          flow_run_id: 'f-1',
          task_run_name: 'load-0',
          task_name: 'load',
          flow_run_name: 'brave-otter',
          flow_name: 'etl',
          node: 'load',
        });
        logger.info('hello');
      }),
    );
    const [record] = sink.records;
    expect(record).toMatchObject({
      name: 'prefect.task_runs',
      level: 20,
      message: 'hello',
      flowRunId: 'f-1',
      taskRunId: 't-1',
    });
    expect(record?.extra.node).toBe('load');
  });

  it('inside a flow run is prefect.flow_runs with the flow fields only', () => {
    runInFlowRun(flowRun, () => {
      const logger = getRunLogger();
      expect(logger.name).toBe('prefect.flow_runs');
      expect(logger.extra).toEqual({ flow_run_name: 'brave-otter', flow_run_id: 'f-1', flow_name: 'etl' });
      logger.warning('careful');
    });
    expect(sink.records[0]).toMatchObject({ level: 30, flowRunId: 'f-1', taskRunId: null });
  });

  it('names default to <unknown> for a task run without a flow run context', () => {
    runInTaskRun({ ...taskRun, flowRunId: null }, () => {
      const logger = getRunLogger();
      expect(logger.extra.flow_run_name).toBe('<unknown>');
      expect(logger.extra.flow_name).toBe('<unknown>');
      expect(logger.extra.flow_run_id).toBeNull();
    });
  });

  it("emits each level with Python's numbers, in emit order with increasing timestamps", () => {
    runInFlowRun(flowRun, () => {
      const logger = getRunLogger();
      logger.debug('d');
      logger.info('i');
      logger.warning('w');
      logger.warn('w2');
      logger.error('e');
      logger.critical('c');
      logger.log(25, 'custom');
    });
    expect(sink.records.map((r) => [r.message, r.level])).toEqual([
      ['d', 10],
      ['i', 20],
      ['w', 30],
      ['w2', 30],
      ['e', 40],
      ['c', 50],
      ['custom', 25],
    ]);
    const ts = sink.records.map((r) => r.timestamp);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(new Set(ts).size).toBe(ts.length);
  });

  it('per-call extra wins over bound extra (bpo-32732 workaround) without changing the logger', () => {
    runInFlowRun(flowRun, () => {
      const logger = getRunLogger({ a: 1, b: 1 });
      logger.info('x', { b: 2, c: 3 });
      logger.info('y');
    });
    expect(sink.records[0]?.extra).toMatchObject({ a: 1, b: 2, c: 3 });
    expect(sink.records[1]?.extra).toMatchObject({ a: 1, b: 1 });
    expect(sink.records[1]?.extra.c).toBeUndefined();
  });

  it('child() keeps the bound fields, adds more, and can extend the name', () => {
    runInFlowRun(flowRun, () =>
      runInTaskRun(taskRun, () => {
        const child = getRunLogger({ a: 1 }).child({ b: 2 }, 'io');
        expect(child.name).toBe('prefect.task_runs.io');
        child.info('from child');
        expect(getRunLogger().child({ c: 3 }).name).toBe('prefect.task_runs');
      }),
    );
    expect(sink.records[0]).toMatchObject({ name: 'prefect.task_runs.io', taskRunId: 't-1' });
    expect(sink.records[0]?.extra).toMatchObject({ a: 1, b: 2, task_run_id: 't-1' });
  });

  it('exception() logs at ERROR with the stack and cause chain', () => {
    runInFlowRun(flowRun, () => {
      const error = new Error('outer', { cause: new TypeError('inner') });
      getRunLogger().exception(error);
      getRunLogger().exception('plain string', 'custom message');
    });
    const [first, second] = sink.records;
    expect(first?.level).toBe(LogLevel.ERROR);
    expect(first?.message).toMatch(/^outer\nError: outer\n\s+at /);
    expect(first?.message).toContain('Caused by:\nTypeError: inner');
    expect(second?.message).toBe('custom message\nplain string');
  });

  it('getRunLogger() without extra reuses one logger per run; with extra it builds a new one', () => {
    runInFlowRun(flowRun, () =>
      runInTaskRun(taskRun, () => {
        expect(getRunLogger()).toBe(getRunLogger());
        expect(getRunLogger({ a: 1 })).not.toBe(getRunLogger());
        expect(disableRunLogger(() => getRunLogger()).disabled).toBe(true);
        expect(getRunLogger().disabled).toBe(false);
      }),
    );
    runInFlowRun(flowRun, () => expect(getRunLogger()).toBe(getRunLogger()));
    runInFlowRun({ ...flowRun }, () => expect(getRunLogger().extra.flow_run_id).toBe('f-1'));
  });

  it('stringifies non-string messages', () => {
    runInFlowRun(flowRun, () => getRunLogger().info(42));
    expect(sink.records[0]?.message).toBe('42');
  });

  it('drops records below every sink level, and isEnabledFor says so', () => {
    const strict = new MemorySink({ level: 30 });
    setDefaultSinks([strict]);
    runInFlowRun(flowRun, () => {
      const logger = getRunLogger();
      expect(logger.isEnabledFor(20)).toBe(false);
      expect(logger.isEnabledFor(30)).toBe(true);
      logger.info('dropped');
      logger.error('kept');
    });
    expect(strict.messages()).toEqual(['kept']);
  });

  it('follows async work: nested callbacks, timers and promise chains keep their own task run', async () => {
    await runInFlowRun(flowRun, () =>
      Promise.all(
        ['a', 'b'].map((id) =>
          runInTaskRun({ id, name: id, taskName: id, flowRunId: 'f-1' }, async () => {
            await new Promise((r) => setTimeout(r, id === 'a' ? 15 : 1));
            setTimeout(() => getRunLogger().info(`timer ${id}`), 1);
            await Promise.resolve().then(() => getRunLogger().info(`then ${id}`));
            await new Promise((r) => setTimeout(r, 5));
          }),
        ),
      ),
    );
    for (const id of ['a', 'b']) {
      expect(sink.find(`timer ${id}`)[0]?.taskRunId).toBe(id);
      expect(sink.find(`then ${id}`)[0]?.taskRunId).toBe(id);
    }
  });
});

describe('disableRunLogger', () => {
  it('returns a logger that drops everything outside a run instead of throwing', () => {
    disableRunLogger(() => {
      const logger = getRunLogger();
      expect(logger.disabled).toBe(true);
      logger.info('nothing');
    });
    expect(sink.records).toHaveLength(0);
    expect(() => getRunLogger()).toThrow(MissingContextError);
  });

  it('silences run loggers inside a run too, and holds across awaits', async () => {
    await runInFlowRun(flowRun, () =>
      disableRunLogger(async () => {
        await new Promise((r) => setTimeout(r, 1));
        getRunLogger().info('quiet');
      }),
    );
    expect(sink.records).toHaveLength(0);
  });
});

describe('explicit loggers', () => {
  it('flowRunLogger works without a context; missing names are <unknown>', () => {
    const logger = flowRunLogger({ id: 'f-9' });
    expect(logger.name).toBe('prefect.flow_runs');
    expect(logger.extra).toEqual({ flow_run_name: '<unknown>', flow_run_id: 'f-9', flow_name: '<unknown>' });
    logger.info('from a hook');
    expect(sink.records[0]).toMatchObject({ flowRunId: 'f-9', taskRunId: null });
  });

  it('taskRunLogger takes the flow run id from the flow run when the task run has none', () => {
    const logger = taskRunLogger({ id: 't-9', name: 'n' }, { id: 'f-9', name: 'r', flowName: 'fl' });
    expect(logger.extra).toMatchObject({
      task_run_id: 't-9',
      flow_run_id: 'f-9',
      task_run_name: 'n',
      task_name: '<unknown>',
      flow_run_name: 'r',
      flow_name: 'fl',
    });
    logger.error('boom');
    expect(sink.records[0]).toMatchObject({ flowRunId: 'f-9', taskRunId: 't-9', level: 40 });
  });

  it('reject a run without an id', () => {
    expect(() => flowRunLogger({ id: '' })).toThrow(PrefectBridgeError);
    expect(() => taskRunLogger({} as never)).toThrow('taskRunLogger needs a task run with a string id');
  });
});

describe('sinks', () => {
  it('a throwing sink does not keep the record from the others; its error reaches the caller', () => {
    const after = new MemorySink();
    setDefaultSinks([
      {
        level: 0,
        write() {
          throw new Error('sink broke');
        },
      },
      after,
    ]);
    expect(() => runInFlowRun(flowRun, () => getRunLogger().info('x'))).toThrow('sink broke');
    expect(after.messages()).toEqual(['x']);
  });

  it('setDefaultSinks rejects something that is not a sink', () => {
    expect(() => setDefaultSinks([{} as never])).toThrow(/a sink needs a write\(record\) method/);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PrefectConfigError } from '../src/index.js';
import {
  ConsoleSink,
  formatConsoleRecord,
  JsonLinesFileSink,
  type LogRecord,
  MemorySink,
} from '../src/logging.js';

function record(partial: Partial<LogRecord>): LogRecord {
  return {
    name: 'prefect.task_runs',
    level: 20,
    message: 'hello',
    timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 678) * 1000 + 901,
    flowRunId: 'f',
    taskRunId: 't',
    extra: { task_run_name: 'load-0', flow_run_name: 'brave-otter' },
    ...partial,
  };
}

describe('ConsoleSink', () => {
  it("formats records like Prefect's PrefectFormatter", () => {
    const line = formatConsoleRecord(record({}));
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.678 \| INFO {4}\| Task run 'load-0' - hello$/);
    expect(formatConsoleRecord(record({ name: 'prefect.flow_runs', level: 40 }))).toMatch(
      /\| ERROR {3}\| Flow run 'brave-otter' - hello$/,
    );
    expect(
      formatConsoleRecord(record({ name: 'prefect.flow_runs.io', extra: { flow_run_name: "it's" } })),
    ).toMatch(/\| Flow run "it's" - hello$/);
    expect(formatConsoleRecord(record({ name: 'other', level: 50 }))).toMatch(
      /\| CRITICAL \| other - hello$/,
    );
    expect(formatConsoleRecord(record({ extra: {} }))).toMatch(/Task run '<unknown>' - hello$/);
  });

  it('writes one line per record to its stream; default level INFO', () => {
    const lines: string[] = [];
    const sink = new ConsoleSink({ stream: { write: (t: string) => lines.push(t) } });
    expect(sink.level).toBe(20);
    sink.write(record({ message: 'a' }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ - a\n$/);
  });
});

describe('MemorySink', () => {
  it('keeps records in order and can find and clear them', () => {
    const sink = new MemorySink();
    sink.write(record({ message: 'one' }));
    sink.write(record({ message: 'two' }));
    expect(sink.messages()).toEqual(['one', 'two']);
    expect(sink.find('tw')).toHaveLength(1);
    sink.clear();
    expect(sink.records).toEqual([]);
  });
});

describe('JsonLinesFileSink', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('appends one JSON object per record and flushes to disk', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-jsonl-'));
    const path = join(dir, 'logs.jsonl');
    const sink = new JsonLinesFileSink(path);
    sink.write(record({ message: 'first', extra: { big: 10n } }));
    sink.write(record({ message: 'second', taskRunId: null }));
    await sink.flush();
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        timestamp: '2026-01-02T03:04:05.678901Z',
        level: 20,
        level_name: 'INFO',
        name: 'prefect.task_runs',
        message: 'first',
        flow_run_id: 'f',
        task_run_id: 't',
        extra: { big: '10' },
      },
      expect.objectContaining({ message: 'second', task_run_id: null }),
    ]);
    sink.write(record({ message: 'third' }));
    await sink.close();
    sink.write(record({ message: 'after close' }));
    await sink.flush();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(3);
  });

  it('writes circular extras as [Circular] instead of failing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-jsonl-'));
    const path = join(dir, 'logs.jsonl');
    const sink = new JsonLinesFileSink(path);
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    sink.write(record({ extra: { loop } }));
    await sink.close();
    expect(JSON.parse(await readFile(path, 'utf8')).extra.loop).toEqual({ a: 1, self: '[Circular]' });
  });

  it('fails at construction for a path that cannot be opened, naming it', () => {
    expect(() => new JsonLinesFileSink('/nonexistent-dir/x/logs.jsonl')).toThrow(PrefectConfigError);
    expect(() => new JsonLinesFileSink('/nonexistent-dir/x/logs.jsonl')).toThrow(
      /Cannot open JSON lines log file \/nonexistent-dir\/x\/logs.jsonl/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  createProgressDisplay,
  type NodeRecord,
  parseLoadVersions,
  parseParams,
  type RunRecord,
  resumeCommand,
  UsageError,
} from '../src/index.js';

describe('--params', () => {
  it('types values as YAML, nests dotted keys, and keeps commas inside values that are not key=', () => {
    expect(
      parseParams([
        'model.alpha=0.1,model.layers=[1, 2],name=run one,flag=true',
        'model.opts.k=v:1',
        'empty=',
      ]),
    ).toEqual({
      model: { alpha: 0.1, layers: [1, 2], opts: { k: 'v:1' } },
      name: 'run one',
      flag: true,
      empty: '',
    });
    expect(parseParams(['when=2026-12-03', 'n=null', 'quoted="007"'])).toEqual({
      when: '2026-12-03',
      n: null,
      quoted: '007',
    });
  });

  it('refuses what is not key=value, a key given twice, and a key set inside a value', () => {
    expect(() => parseParams(['alpha:0.1'])).toThrow(
      "--params: 'alpha:0.1' is not key=value (write alpha=0.1; 'key:value' is Kedro's old form)",
    );
    expect(() => parseParams(['a=1,a=2'])).toThrow("--params: 'a' is given twice");
    expect(() => parseParams(['a=1,a.b=2'])).toThrow(
      "--params: 'a.b' sets a key inside 'a', which is a value",
    );
    expect(() => parseParams(['1x=2'])).toThrow(UsageError);
  });
});

describe('--load-versions', () => {
  it('reads dataset:version pairs (versions contain no colon) from several flags', () => {
    expect(parseLoadVersions(['cars:2026-12-01T09.00.00.000Z,boats:v2', 'planes:v3'])).toEqual({
      cars: '2026-12-01T09.00.00.000Z',
      boats: 'v2',
      planes: 'v3',
    });
    expect(() => parseLoadVersions(['cars'])).toThrow("--load-versions: 'cars' is not dataset:version");
    expect(() => parseLoadVersions(['a:1', 'a:2'])).toThrow("'a' is given twice");
  });
});

describe('the resume command', () => {
  it('keeps every argument, replaces --from-nodes, and quotes for a POSIX shell', () => {
    expect(
      resumeCommand(
        'weft run',
        [
          '--runner',
          'thread',
          '--from-nodes',
          'a',
          '--params',
          "label=it's here",
          '--from-nodes=b',
          '-t',
          'x',
        ],
        ['c', 'd'],
      ),
    ).toBe(`weft run --runner thread --params 'label=it'\\''s here' -t x --from-nodes c,d`);
  });
});

function record(nodes: string[]): RunRecord {
  return {
    runId: 'r',
    projectDir: '/p',
    project: 'p',
    pipelines: ['__default__'],
    env: 'local',
    runner: 'thread',
    runnerDescription: 'thread',
    propagateContext: true,
    status: 'running',
    startedAt: '',
    nodes: nodes.map((name) => ({
      name,
      inputs: [],
      outputs: [],
      tags: [],
      namespace: undefined,
      status: 'pending',
    })),
    datasets: [],
    saveVersion: undefined,
    savedVersions: [],
    loadVersions: {},
    skipped: [],
  };
}

describe('progress display', () => {
  it('writes one plain line per finished node when the stream is not a terminal', () => {
    let out = '';
    const display = createProgressDisplay({ write: (t: string) => (out += t), isTTY: false });
    const r = record(['a', 'b']);
    display.handle({ type: 'run-start', record: r, pipeline: undefined as never });
    const a = r.nodes[0] as NodeRecord;
    display.handle({ type: 'node-start', node: a });
    a.status = 'completed';
    a.durationMs = 12;
    display.handle({ type: 'node-end', node: a });
    display.handle({ type: 'log', level: 'info', text: 'a line' });
    const b = r.nodes[1] as NodeRecord;
    b.status = 'failed';
    b.durationMs = 1500;
    display.handle({ type: 'node-end', node: b });
    display.stop();
    expect(out).toBe('[1/2] completed a (12 ms)\na line\n[2/2] failed b (1.50 s)\n');
  });

  it('redraws a live block on a terminal, keeps log lines above it, and clears it at the end', () => {
    let out = '';
    const stream = {
      write: (t: string) => (out += t),
      isTTY: true,
      columns: 100,
      rows: 30,
      on() {},
      off() {},
    };
    const display = createProgressDisplay(stream, { colour: false });
    const r = record(['a', 'b']);
    display.handle({ type: 'run-start', record: r, pipeline: undefined as never });
    const a = r.nodes[0] as NodeRecord;
    display.handle({ type: 'node-start', node: a });
    expect(out).toContain('0/2 nodes');
    expect(out).toContain('running: a');
    display.handle({ type: 'log', level: 'info', text: 'hello from a' });
    stream.write('printed by a node\n'); // what a node or a worker writes to the terminal
    expect(out).toMatch(/printed by a node\n[\s\S]*0\/2 nodes/); // above the block, which is redrawn
    a.status = 'completed';
    display.handle({ type: 'node-end', node: a });
    expect(out).toContain('1/2 nodes');
    expect(out).toContain('hello from a');
    expect(out).toContain('\u001b['); // cursor movement: redrawn in place
    display.stop();
    const end = out.length;
    display.stop();
    expect(out.length).toBe(end);
    stream.write('after\n');
    expect(out.endsWith('after\n')).toBe(true); // the stream is itself again
  });
});

import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
const strip = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

describe('progress display', () => {
  it('on a TTY: redraws a live block (done/total, running nodes) and keeps log lines above it', () => {
    let out = '';
    const stream = { isTTY: true, columns: 120, rows: 40, write: (t: string) => (out += t) };
    const p = createProgress({ stream, title: 'spaceflights · thread runner' });
    p.start(3);
    p.nodeStarted('a');
    p.nodeStarted('b');
    expect(strip(out)).toContain('0/3 nodes done');
    expect(strip(out)).toContain('running: a, b');
    p.log("12:00:00.000 | INFO    | Task run 'a' - hello\n");
    p.nodeFinished('a', 'completed', 12);
    p.nodeFinished('b', 'failed', 3);
    const text = strip(out);
    expect(text).toContain("Task run 'a' - hello");
    expect(text).toContain('2/3 nodes done · 1 failed');
    expect(out).toContain('\u001b['); // drawn with escape sequences
    p.stop();
    p.stop(); // idempotent
  });

  it('elsewhere: plain lines, one per finished node, logs passed through', () => {
    let out = '';
    const p = createProgress({ stream: { isTTY: false, write: (t: string) => (out += t) } });
    p.start(12);
    p.nodeStarted('a');
    p.log('a log line');
    p.nodeFinished('a', 'completed', 1500);
    p.nodeFinished('b', 'failed', undefined);
    p.stop();
    expect(out).toBe('a log line\n[ 1/12] completed a (1.50 s)\n[ 2/12] failed b (–)\n');
  });
});

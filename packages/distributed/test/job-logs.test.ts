/**
 * Which attempts of a job the coordinator delivers from its log list: the one BullMQ completed and
 * the tries that threw; never an attempt that died, was handed back, or completed after losing
 * the job's lock to another attempt (its records would reach Prefect twice). What is dropped is
 * counted.
 */
import { describe, expect, it } from 'vitest';
import { sortJobLogs, workerOfAttempt } from '../src/job-logs.js';

const rec = (a: string, n: number, message: string) => JSON.stringify({ a, n, r: { message } });
const end = (a: string, how: string, count: number[]) => JSON.stringify({ a, end: how, count });
const messages = (byMember: readonly (readonly object[])[]) =>
  byMember.map((records) => records.map((r) => (r as { message?: unknown }).message));

describe('sortJobLogs', () => {
  it('drops an attempt that died mid-node and delivers the one that completed, counting the dropped records', () => {
    const logs = sortJobLogs(
      [
        rec('h:1#1#aa0', 0, 'lost 1'),
        rec('h:1#1#aa0', 0, 'lost 2'),
        rec('h:2#2#bb0', 0, 'kept 1'),
        end('h:2#2#bb0', 'completed', [1]),
      ],
      1,
      'h:2#2#',
    );
    expect(messages(logs.byMember)).toEqual([['kept 1']]);
    expect(logs.dropped).toBe(2);
    expect(logs.lostAttempts).toEqual(['h:1#1#aa0']);
    expect(logs.partial).toBe(false);
  });

  it('drops an attempt that completed after losing its lock: only the attempt BullMQ completed counts', () => {
    const entries = [
      rec('h:1#1#aa0', 0, 'stalled one'),
      rec('h:2#2#bb0', 0, 'finisher'),
      end('h:2#2#bb0', 'completed', [1]),
      end('h:1#1#aa0', 'completed', [1]),
    ];
    const logs = sortJobLogs(entries, 1, 'h:2#2#');
    expect(messages(logs.byMember)).toEqual([['finisher']]);
    expect(logs.dropped).toBe(1);
    expect(logs.lostAttempts).toEqual(['h:1#1#aa0']);
    // The control: without knowing who finished, both would be delivered.
    expect(messages(sortJobLogs(entries, 1).byMember)).toEqual([['stalled one', 'finisher']]);
  });

  it('keeps the records of a try that threw before the try that completed, per node, in order', () => {
    const logs = sortJobLogs(
      [
        rec('w#1#x0', 0, 'a1'),
        rec('w#1#x0', 1, 'b1'),
        end('w#1#x0', 'failed', [1, 1]),
        rec('w#2#x1', 0, 'a2'),
        rec('w#2#x1', 1, 'b2'),
        end('w#2#x1', 'completed', [1, 1]),
      ],
      2,
      'w#2#',
    );
    expect(messages(logs.byMember)).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2'],
    ]);
    expect(logs.dropped).toBe(0);
    expect(logs.lostAttempts).toEqual([]);
  });

  it('when no attempt ended, delivers what the last one had flushed and says so (partial)', () => {
    const logs = sortJobLogs(
      [rec('w#1#x0', 0, 'first'), rec('w#2#x1', 0, 'second 1'), rec('w#2#x1', 0, 'second 2')],
      1,
    );
    expect(logs.partial).toBe(true);
    expect(messages(logs.byMember)).toEqual([['second 1', 'second 2']]);
    expect(logs.dropped).toBe(1);
  });

  it('counts records an end entry announced but Redis never got, and entries it cannot read', () => {
    const logs = sortJobLogs(
      [
        rec('w#1#x0', 0, 'one'),
        end('w#1#x0', 'completed', [3]),
        '{oops',
        JSON.stringify({ a: 'w#1#x0', n: 9 }),
      ],
      1,
      'w#1#',
    );
    expect(logs.missing).toBe(2);
    expect(logs.unreadable).toBe(2);
  });

  it('names the worker of an attempt, host names with # included', () => {
    expect(workerOfAttempt('host:12#3#abcd1')).toBe('host:12');
    expect(workerOfAttempt('we#ird:7#1#ff0')).toBe('we#ird:7');
  });
});

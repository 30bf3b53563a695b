import { describe, expect, it } from 'vitest';
import { PrefectConfigError } from '../src/index.js';
import { formatTimestamp, LogLevel, levelName, nowMicros, parseLevel } from '../src/logging.js';

describe('levels', () => {
  it("uses Python's numbers", () => {
    expect(LogLevel).toEqual({ DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 });
    expect(levelName(30)).toBe('WARNING');
    expect(levelName(15)).toBe('Level 15');
  });

  it('parses names, numbers and numeric strings', () => {
    expect(parseLevel('info')).toBe(20);
    expect(parseLevel('WARN')).toBe(30);
    expect(parseLevel(' critical ')).toBe(50);
    expect(parseLevel('25')).toBe(25);
    expect(parseLevel(40)).toBe(40);
  });

  it('rejects a bad level, naming where it came from', () => {
    expect(() => parseLevel('loud', 'PREFECT_LOGGING_LEVEL')).toThrow(PrefectConfigError);
    expect(() => parseLevel('loud', 'PREFECT_LOGGING_LEVEL')).toThrow(/"loud" for PREFECT_LOGGING_LEVEL/);
    expect(() => parseLevel(-1)).toThrow(/Invalid log level -1/);
  });
});

describe('timestamps', () => {
  it('are strictly increasing within a thread, even when called in a tight loop', () => {
    const stamps = Array.from({ length: 10_000 }, () => nowMicros());
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1] as number);
    const wall = Date.now() * 1000;
    expect(Math.abs((stamps[0] as number) - wall)).toBeLessThan(60_000_000);
  });

  it('format as ISO-8601 UTC with microseconds', () => {
    expect(formatTimestamp(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(formatTimestamp(1_700_000_000_000_007)).toBe('2023-11-14T22:13:20.000007Z');
  });
});

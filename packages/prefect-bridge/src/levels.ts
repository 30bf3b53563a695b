/**
 * Log levels with Python's (and so Prefect's) numbers.
 *
 * @module
 */
import { PrefectConfigError } from './errors.js';

/**
 * Numeric log levels, identical to Python's `logging` module.
 *
 * @since 0.1.0
 */
export const LogLevel = Object.freeze({
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const);

/**
 * One of the five standard level names.
 *
 * @since 0.1.0
 */
export type LevelName = keyof typeof LogLevel;

/**
 * Anything accepted where a level is expected: a number or a (case-insensitive) level name.
 *
 * @since 0.1.0
 */
export type LevelLike = number | LevelName | Lowercase<LevelName> | 'WARN' | 'warn';

const NAMES = new Map<number, string>([
  [10, 'DEBUG'],
  [20, 'INFO'],
  [30, 'WARNING'],
  [40, 'ERROR'],
  [50, 'CRITICAL'],
]);

/**
 * The name Python's `logging.getLevelName` gives a level number: `INFO` for 20, `Level 15` for a
 * non-standard number.
 *
 * @since 0.1.0
 */
export function levelName(level: number): string {
  return NAMES.get(level) ?? `Level ${level}`;
}

/**
 * Parses a level given as a number, a numeric string or a name (`info`, `WARNING`, `warn`, ...).
 *
 * @param value The level to parse.
 * @param source Names where the value came from (an option or environment variable), for the error.
 * @throws {PrefectConfigError} naming `source` when the value is not a level.
 *
 * @since 0.1.0
 */
export function parseLevel(value: LevelLike | string, source = 'level'): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
  } else {
    const text = value.trim().toUpperCase();
    if (/^\d+$/.test(text)) return Number(text);
    if (text === 'WARN') return LogLevel.WARNING;
    if (text === 'FATAL') return LogLevel.CRITICAL;
    const found = LogLevel[text as LevelName];
    if (found !== undefined) return found;
  }
  throw new PrefectConfigError(
    `Invalid log level ${JSON.stringify(value)} for ${source}: expected DEBUG, INFO, WARNING, ERROR, CRITICAL or a non-negative integer`,
  );
}

/**
 * The default level of the console sink: `PREFECT_LOGGING_LEVEL` when set, else INFO (Prefect's
 * default).
 */
export function defaultLevelFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PREFECT_LOGGING_LEVEL;
  return raw === undefined || raw === '' ? LogLevel.INFO : parseLevel(raw, 'PREFECT_LOGGING_LEVEL');
}

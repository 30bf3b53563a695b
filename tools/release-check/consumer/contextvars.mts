// Typed consumer of the @weft/contextvars tarball, checked by tsc against the shipped .d.ts.
import {
  AsyncContext,
  type Codec,
  type Context,
  ContextVar,
  ContextVarsError,
  copyContext,
  deserializeContext,
  type SerializedContext,
  serializeContext,
  type Token,
} from '@weft/contextvars';

const dateCodec: Codec<Date> = { encode: (d) => d.toISOString(), decode: (json) => new Date(String(json)) };
const startedAt = new ContextVar<Date>('release-check.started_at', { propagate: true, codec: dateCodec });
const attempts = new ContextVar<number>('release-check.attempts', { default: 0 });

const count: number = attempts.get();
const maybe: number | 'none' = attempts.get('none');
const token: Token<number> = attempts.set(count + 1);
const dispose: () => void = token[Symbol.dispose];
// @ts-expect-error a ContextVar<number> holds numbers only
attempts.set('one');

const doubled: Promise<number> = attempts.run(2, async (factor: number) => attempts.get() * factor, 3);
const snapshot: Context = copyContext();
const at: Date | undefined = snapshot.get(startedAt);
const wire: SerializedContext = serializeContext(snapshot, { allow: [startedAt], deny: ['other'] });
const restored: Context = deserializeContext(wire);

const variable = new AsyncContext.Variable<string>({ name: 'release-check.async', defaultValue: '-' });
const fromVariable: string | undefined = variable.run('x', () => variable.get());

function describe(error: unknown): string {
  return error instanceof ContextVarsError ? `${error.name} ${error.code}` : 'other';
}

export { at, describe, dispose, doubled, fromVariable, maybe, restored };

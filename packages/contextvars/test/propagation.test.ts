import { afterEach, describe, expect, it } from 'vitest';
import {
  type Carrier,
  ContextPropagationError,
  type ContextPropagator,
  ContextVar,
  ContextVarsError,
  compileContextFilter,
  compositePropagator,
  contextWithValue,
  copyContext,
  declaredVariablesPropagator,
  extractContext,
  filterContext,
  getGlobalPropagator,
  injectContext,
  isContextVar,
  LookupError,
  propagationSetupModules,
  resetGlobalPropagator,
  serializeContext,
  setGlobalPropagator,
} from '../src/index.js';

const shared = new ContextVar<string>('prop.shared', { propagate: true });
const secret = new ContextVar<string>('prop.secret', { propagate: true });
const local = new ContextVar<string>('prop.local');
const localWithDefault = new ContextVar<string>('prop.localWithDefault', { default: 'fallback' });
const hidden = new ContextVar<string>('prop.hidden', { hidden: true });
const tenant = new ContextVar<string>('prop.tenant');

/** A propagator of a variable that is not declared propagatable, in its own header. */
const tenantPropagator: ContextPropagator = {
  fields: () => ['x-tenant'],
  inject(context, carrier) {
    const value = context.get(tenant);
    if (value !== undefined) carrier['x-tenant'] = value;
  },
  extract(context, carrier) {
    const value = carrier['x-tenant'];
    if (value === undefined) return context;
    if (typeof value !== 'string') throw new Error(`x-tenant is ${typeof value}`);
    const result = context.copy();
    result.run(() => tenant.set(value));
    return result;
  },
};

const wire = (carrier: Carrier): Carrier => JSON.parse(JSON.stringify(carrier));

afterEach(() => resetGlobalPropagator());

describe('the declared-variables propagator (the default)', () => {
  it('carries the propagatable variables as serializeContext does, and only the names of the others', () => {
    const carrier = shared.run('s', () =>
      local.run('l', () => hidden.run('h', () => injectContext(undefined, { deny: [secret] }))),
    );
    expect(carrier).toEqual({
      context: { v: 1, vars: { 'prop.shared': 's' } },
      unpropagated: { local: ['prop.local'] },
    });
    expect(carrier.context).toEqual(shared.run('s', () => serializeContext(undefined, { deny: [secret] })));
    expect(JSON.stringify(carrier)).not.toContain('"l"');
    const back = extractContext(wire(carrier));
    expect(back.get(shared)).toBe('s');
    expect(back.get(local)).toBeUndefined();
    expect([...back.keys()]).toEqual([shared]);
  });

  it('names a propagatable variable the allow list left out as filtered, and never a denied one', () => {
    const carrier = shared.run('s', () =>
      secret.run('top', () =>
        local.run('l', () => injectContext(undefined, { allow: [shared], deny: [local] })),
      ),
    );
    expect(carrier.unpropagated).toEqual({ filtered: ['prop.secret'] });
    const denied = secret.run('top', () => injectContext(undefined, { deny: ['prop.secret'] }));
    expect(denied).toEqual({});
  });

  it('writes nothing for an empty context', () => {
    expect(injectContext(copyContext())).toEqual({});
    expect(extractContext({}).size).toBe(0);
  });
});

describe('a variable set by the sender that did not travel', () => {
  it('fails with a LookupError that says it was not propagated and how to declare it', () => {
    const received = extractContext(wire(local.run('l', () => injectContext())));
    const error = received.run(() => {
      try {
        local.get();
      } catch (e) {
        return e;
      }
    }) as LookupError;
    expect(error).toBeInstanceOf(LookupError);
    expect(error.varName).toBe('prop.local');
    expect(error.message).toBe(
      "<ContextVar name='prop.local'> has no value in the current context and no default: it was set where " +
        'this work was submitted, but it is not propagated across threads and processes. Declare it with ' +
        'new ContextVar("prop.local", { propagate: true }) (and a codec when its value is not JSON) to send it along',
    );
  });

  it('says the filter left it out when the allow list did', () => {
    const carrier = secret.run('x', () => injectContext(undefined, { allow: [] }));
    const noDefault = extractContext(wire(carrier)).run(() => {
      try {
        return secret.get();
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(noDefault).toMatch(/the context filter left it out: add it to contextFilter\.allow/);
  });

  it('reads as its default with one process warning per name', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const received = extractContext(wire(localWithDefault.run('set', () => injectContext())));
      expect(received.run(() => [localWithDefault.get(), localWithDefault.get()])).toEqual([
        'fallback',
        'fallback',
      ]);
      // An explicit fallback says the caller expects "unset": no warning for that.
      expect(received.run(() => localWithDefault.get('mine'))).toBe('mine');
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    const mine = warnings.filter((w) => (w as { code?: string }).code === 'WEFT_CONTEXTVAR_NOT_PROPAGATED');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.message).toMatch(/context variable "prop\.localWithDefault" reads as its default here/);
  });

  it('changes nothing where no such context was received', () => {
    expect(() => local.get()).toThrow(/has no value in the current context and no default$/);
  });

  it('refuses a malformed list of names, naming the field', () => {
    expect(() => extractContext({ unpropagated: ['a'] })).toThrow(ContextPropagationError);
    expect(() => extractContext({ unpropagated: { local: 'a' } })).toThrow(
      /carrier field 'unpropagated' has 'local' that is not a list of variable names/,
    );
  });
});

describe('composite and global propagators', () => {
  it('a composite injects every part and extracts them in turn', () => {
    const both = compositePropagator(declaredVariablesPropagator, tenantPropagator);
    expect(both.fields()).toEqual(['context', 'unpropagated', 'x-tenant']);
    const carrier = shared.run('s', () =>
      tenant.run('acme', () => injectContext(undefined, { propagator: both })),
    );
    expect(carrier['x-tenant']).toBe('acme');
    const back = extractContext(wire(carrier), { propagator: both });
    expect([back.get(shared), back.get(tenant)]).toEqual(['s', 'acme']);
  });

  it('the global propagator is what injectContext and extractContext use, until reset', () => {
    expect(getGlobalPropagator()).toBe(declaredVariablesPropagator);
    const previous = setGlobalPropagator(compositePropagator(declaredVariablesPropagator, tenantPropagator));
    expect(previous).toBe(declaredVariablesPropagator);
    const carrier = tenant.run('acme', () => injectContext());
    expect(extractContext(wire(carrier)).get(tenant)).toBe('acme');
    resetGlobalPropagator();
    expect(tenant.run('acme', () => injectContext())).toEqual({ unpropagated: { local: ['prop.tenant'] } });
  });

  it('reports a field no propagator reads, once, and ignores it', () => {
    const unread: string[] = [];
    const back = extractContext({ 'x-tenant': 'acme' }, { onUnreadField: (f) => unread.push(f) });
    expect(unread).toEqual(['x-tenant']);
    expect(back.get(tenant)).toBeUndefined();
  });

  it('flattens nested composites and refuses a field claimed twice, naming it', () => {
    const nested = compositePropagator(compositePropagator(declaredVariablesPropagator), tenantPropagator);
    expect(nested.fields()).toEqual(['context', 'unpropagated', 'x-tenant']);
    expect(() => compositePropagator(tenantPropagator, tenantPropagator)).toThrow(
      /carrier field 'x-tenant' is claimed by arguments 0 and 1/,
    );
    expect(() => compositePropagator({} as ContextPropagator)).toThrow(/expected a propagator/);
    expect(() => setGlobalPropagator(null as never)).toThrow(ContextPropagationError);
  });

  it('keeps the set-up module of the global propagator as a URL, and refuses a relative one', () => {
    setGlobalPropagator(tenantPropagator, { setupModule: '/srv/app/propagation.js' });
    expect(propagationSetupModules()).toEqual(['file:///srv/app/propagation.js']);
    setGlobalPropagator(tenantPropagator, { setupModule: new URL('file:///x/y.js') });
    expect(propagationSetupModules()).toEqual(['file:///x/y.js']);
    expect(() => setGlobalPropagator(tenantPropagator, { setupModule: './p.js' })).toThrow(
      /setupModule must be an absolute path or a URL/,
    );
    resetGlobalPropagator();
    expect(propagationSetupModules()).toEqual([]);
  });

  it('a propagator error on extract reaches the caller', () => {
    expect(() => extractContext({ 'x-tenant': 5 }, { propagator: tenantPropagator })).toThrow(
      /x-tenant is number/,
    );
    expect(() => extractContext('text')).toThrow(/a context carrier must be an object of fields/);
  });
});

describe('contextWithValue', () => {
  it('makes a new context with one more binding, leaving the given one and the current one as they were', () => {
    const base = copyContext();
    base.run(() => shared.set('s'));
    const derived = contextWithValue(base, tenant, 'acme');
    expect(derived).not.toBe(base);
    expect(derived.get(tenant)).toBe('acme');
    expect(derived.get(shared)).toBe('s');
    expect(base.has(tenant)).toBe(false);
    expect(tenant.get('unset')).toBe('unset');
    // Entered later, it holds the binding and evolves on its own.
    derived.run(() => {
      expect(tenant.get()).toBe('acme');
      tenant.set('other');
    });
    expect(derived.get(tenant)).toBe('other');
    expect(contextWithValue(derived, tenant, 'again').get(tenant)).toBe('again');
    expect(derived.get(tenant)).toBe('other');
  });

  it('refuses what is not a context or not a variable, saying which', () => {
    expect(() => contextWithValue({} as never, tenant, 'x')).toThrow(/a Context was expected/);
    expect(() => contextWithValue(copyContext(), 'tenant' as never, 'x')).toThrow(
      /a ContextVar key was expected/,
    );
  });
});

describe('filters', () => {
  it('match by name and by identity; deny wins; hidden variables are kept', () => {
    const ctx = shared.run('s', () =>
      secret.run('t', () => hidden.run('h', () => local.run('l', copyContext))),
    );
    const allowed = filterContext(ctx, { allow: [shared, 'prop.local'], deny: ['prop.local'] });
    expect(new Set(allowed.keys())).toEqual(new Set([shared]));
    expect(allowed.get(hidden)).toBe('h');
    expect(filterContext(ctx, undefined)).not.toBe(ctx);
    expect(filterContext(ctx, { deny: [] }).size).toBe(3);
  });

  it('are checked once, with a clear error for anything but names and variables', () => {
    const filter = { deny: [shared] };
    expect(compileContextFilter(filter)).toBe(compileContextFilter(filter));
    expect(() => compileContextFilter({ allow: [42 as never] })).toThrow(
      /contextFilter\.allow takes variable names and ContextVars, got 42/,
    );
    expect(() => compileContextFilter({ deny: 'x' as never })).toThrow(ContextVarsError);
  });

  it('recognise variables by their brand (package-copies.test.ts loads a second copy)', () => {
    expect(isContextVar(shared)).toBe(true);
    expect(isContextVar({ name: 'prop.shared' })).toBe(false);
  });
});

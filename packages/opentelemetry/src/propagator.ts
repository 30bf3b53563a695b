/**
 * OpenTelemetry's trace context and baggage through Weft's propagator seam: the W3C
 * `traceparent`, `tracestate` and `baggage` headers (or whatever OpenTelemetry propagator is
 * registered) become fields of the carrier that crosses into worker threads, `ParallelRunner`
 * workers and `weft-worker` processes.
 *
 * @module
 */
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  type Context as OtelContext,
  context as otelApiContext,
  propagation,
  ROOT_CONTEXT,
  type TextMapPropagator,
} from '@opentelemetry/api';
import {
  type Carrier,
  type Context,
  ContextPropagationError,
  type ContextPropagator,
  contextWithValue,
} from '@weft/contextvars';
import { isWeftContextActive } from './context-manager.js';
import { otelContextVar } from './otel-context-var.js';

/** Options of {@link openTelemetryPropagator}. */
export interface OpenTelemetryPropagatorOptions {
  /**
   * The OpenTelemetry propagator that writes and reads the headers. Default: the global one
   * (`propagation`, as `provider.register()` or the NodeSDK set it: W3C trace context and baggage).
   */
  textMap?: TextMapPropagator;
}

/** The headers of W3C trace context and baggage, always claimed (whatever is registered yet). */
const W3C_FIELDS = ['traceparent', 'tracestate', 'baggage'] as const;

let warnedNoPropagator = false;

function warnNoPropagator(): void {
  if (warnedNoPropagator) return;
  warnedNoPropagator = true;
  process.emitWarning(
    'No OpenTelemetry propagator is registered here, so no trace context crosses this boundary: ' +
      'register one (provider.register() or the NodeSDK do: W3C trace context and baggage).',
    { code: 'WEFT_OTEL_NO_PROPAGATOR' },
  );
}

let warnedForeignManager = false;

function warnForeignManager(): void {
  if (warnedForeignManager) return;
  warnedForeignManager = true;
  process.emitWarning(
    "The registered OpenTelemetry context manager is not Weft's, so the trace context received here does not " +
      'reach spans started in this thread: register WeftContextManager (registerContextManager(), or ' +
      'provider.register({ contextManager: new WeftContextManager() })) in the set-up of workers.',
    { code: 'WEFT_OTEL_FOREIGN_CONTEXT_MANAGER' },
  );
}

/**
 * A Weft propagator (`@weft/contextvars`' `ContextPropagator`) for OpenTelemetry: on the sending
 * side it injects the OpenTelemetry context held in the Weft context (the node's span and its
 * baggage) as string fields `traceparent`, `tracestate`, `baggage` (and whatever else the
 * OpenTelemetry propagator writes); on the receiving side it extracts them into the new Weft
 * context, where {@link WeftContextManager} makes them active, so spans started there are
 * children of the sender's span, in the same trace.
 *
 * Compose it with the default and set it once, with a set-up module so the workers Weft starts
 * set it up too:
 *
 * @example
 * ```ts
 * // telemetry.ts: imported by the main program, worker threads and weft-worker processes
 * setGlobalPropagator(compositePropagator(declaredVariablesPropagator, openTelemetryPropagator()), {
 *   setupModule: import.meta.url,
 * });
 * ```
 * @throws (from `extract`) `ContextPropagationError` `ERR_CARRIER_INVALID` naming the field when
 * one of its fields is not a string.
 */
export function openTelemetryPropagator(options: OpenTelemetryPropagatorOptions = {}): ContextPropagator {
  const ownMap = options.textMap;
  // The same array while the registered propagator's fields stay the same (the seam asks at
  // every crossing; a composite of Weft's rebuilds its list only when a part's array changes).
  let lastRegistered: readonly string[] = [];
  let lastRegisteredArray: readonly string[] | undefined;
  let lastFields: readonly string[] = W3C_FIELDS;
  const fields = (map: TextMapPropagator): readonly string[] => {
    const registered = map.fields();
    // OpenTelemetry's propagators return the same array each time: the common case is one check.
    if (registered === lastRegisteredArray) return lastFields;
    lastRegisteredArray = registered;
    if (registered.length !== lastRegistered.length || registered.some((f, i) => f !== lastRegistered[i])) {
      lastRegistered = [...registered];
      lastFields = Object.freeze([...new Set([...W3C_FIELDS, ...registered])]);
    }
    return lastFields;
  };
  let injected: {
    otel: OtelContext | undefined;
    map: TextMapPropagator | undefined;
    fields: readonly string[];
    headers: [string, string][];
  } = { otel: undefined, map: undefined, fields: [], headers: [] };
  // The headers received last (aligned with `fields`) and the OpenTelemetry context extracted
  // from them into an empty one: reused while the same headers arrive (contexts are immutable).
  let received: {
    values: (string | undefined)[];
    map: TextMapPropagator | undefined;
    fields: readonly string[];
    context: OtelContext;
  } = { values: [], map: undefined, fields: [], context: ROOT_CONTEXT };
  return {
    fields: () => fields(ownMap ?? propagation),
    inject(weftContext: Context, carrier: Carrier): void {
      // The node's span is in the Weft context being sent; with another context manager, only
      // the active OpenTelemetry context (that of the caller) can be read. When the two agree
      // (Weft's manager, sending the current context: the usual case) either answer is the same,
      // and the manager need not be asked which it is.
      const held = weftContext.get(otelContextVar) ?? ROOT_CONTEXT;
      const active = otelApiContext.active();
      const otel = held === active || isWeftContextActive() ? held : active;
      if (otel === ROOT_CONTEXT) return;
      const map = ownMap ?? propagation;
      const names = fields(map);
      if (ownMap === undefined && lastRegistered.length === 0) {
        warnNoPropagator();
        return;
      }
      // OpenTelemetry contexts are immutable: the headers of the context injected last are
      // reused (every task a node submits carries the node's context).
      if (otel !== injected.otel || map !== injected.map || names !== injected.fields) {
        const headers: Record<string, string> = {};
        map.inject(otel, headers, defaultTextMapSetter);
        const kept: [string, string][] = [];
        for (const name of Object.keys(headers)) {
          const value = headers[name];
          if (typeof value === 'string' && value !== '') kept.push([name, value]);
        }
        injected = { otel, map, fields: names, headers: kept };
      }
      const headers = injected.headers;
      for (let i = 0; i < headers.length; i++) {
        const [name, value] = headers[i] as [string, string];
        carrier[name] = value;
      }
    },
    extract(weftContext: Context, carrier: Readonly<Carrier>): Context {
      const map = ownMap ?? propagation;
      const names = fields(map);
      const values: (string | undefined)[] = new Array(names.length);
      let any = false;
      for (let i = 0; i < names.length; i++) {
        const name = names[i] as string;
        const value = Object.getOwnPropertyDescriptor(carrier, name)?.value;
        if (value === undefined) continue;
        if (typeof value !== 'string') {
          throw new ContextPropagationError(
            'ERR_CARRIER_INVALID',
            `carrier field '${name}' (OpenTelemetry) is ${JSON.stringify(value) ?? typeof value}, not a string`,
            name,
          );
        }
        values[i] = value;
        any = true;
      }
      if (!any) return weftContext;
      if (ownMap === undefined && lastRegistered.length === 0) warnNoPropagator();
      if (!warnedForeignManager && !isWeftContextActive()) warnForeignManager();
      const base: OtelContext = weftContext.get(otelContextVar) ?? ROOT_CONTEXT;
      let extracted: OtelContext;
      if (
        base === ROOT_CONTEXT &&
        map === received.map &&
        names === received.fields &&
        sameValues(values, received.values)
      ) {
        extracted = received.context;
      } else {
        const headers: Record<string, string> = {};
        for (let i = 0; i < names.length; i++) {
          const value = values[i];
          if (value !== undefined) headers[names[i] as string] = value;
        }
        extracted = map.extract(base, headers, defaultTextMapGetter);
        if (base === ROOT_CONTEXT) received = { values, map, fields: names, context: extracted };
      }
      // A new Weft context with one more (hidden) variable, made without entering it.
      return contextWithValue(weftContext, otelContextVar, extracted);
    },
  };
}

function sameValues(a: readonly (string | undefined)[], b: readonly (string | undefined)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

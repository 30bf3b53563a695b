/**
 * Where the OpenTelemetry context lives: a hidden variable of the current Weft `Context`, so an
 * OpenTelemetry context and Weft's variables are one context (copied, entered, carried and
 * isolated together). Behind a `Symbol.for` key, so two copies of this package share it.
 *
 * @internal
 * @module
 */
import { type Context as OtelContext, ROOT_CONTEXT } from '@opentelemetry/api';
import { ContextVar } from '@weft/contextvars';

const KEY = Symbol.for('@weft/opentelemetry/context-var');
const holder = globalThis as { [KEY]?: ContextVar<OtelContext> };

/** The variable holding the active OpenTelemetry context in a Weft Context. */
export const otelContextVar: ContextVar<OtelContext> =
  holder[KEY] ??
  new ContextVar<OtelContext>('@weft/opentelemetry:context', { default: ROOT_CONTEXT, hidden: true });
holder[KEY] = otelContextVar;

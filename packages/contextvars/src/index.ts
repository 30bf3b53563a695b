/**
 * `@weft/contextvars`: PEP 567 context variables for Node on one AsyncLocalStorage, with the
 * TC39 `AsyncContext` flavour on the same store, and explicit serialization across threads,
 * processes and the network.
 *
 * @packageDocumentation
 */
export * as AsyncContext from './async-context.js';
export { Context, copyContext } from './context.js';
export {
  type CompiledContextFilter,
  type ContextFilter,
  compileContextFilter,
  filterContext,
  isContextVar,
} from './context-filter.js';
export { ContextVar, type ContextVarOptions, Token } from './context-var.js';
export {
  ContextEnteredError,
  ContextPropagationError,
  ContextSerializationError,
  ContextVarsError,
  type ContextVarsErrorCode,
  LookupError,
  TokenError,
} from './errors.js';
export {
  type Carrier,
  type ContextPropagator,
  compositePropagator,
  contextWithValue,
  declaredVariablesPropagator,
  type ExtractOptions,
  extractContext,
  type GlobalPropagatorOptions,
  getGlobalPropagator,
  type InjectOptions,
  injectContext,
  propagationSetupModules,
  resetGlobalPropagator,
  setGlobalPropagator,
} from './propagation.js';
export {
  type Codec,
  DEFAULT_MAX_CONTEXT_BYTES,
  deserializeContext,
  type Json,
  MAX_CONTEXT_VALUE_DEPTH,
  type SerializedContext,
  type SerializeOptions,
  serializeContext,
  type Unpropagated,
} from './serialization.js';

// Public API of @lazytrace/core. Explicit named exports only.
import './tracing/provider.js';

export { captureContent, MASK_FAILED } from './capture/capture.js';
export { REDACTED, type SerializeOptions, serializeValue } from './capture/serialize.js';
export { getTraceDefaults, setTraceDefaults } from './context/trace-context.js';
export { getTraceId } from './context/trace-id.js';
export type {
  ModuleSwitch,
  ModuleSwitches,
  ResolvedTraceContext,
  TraceContext,
} from './context/types.js';
export { validateTraceContext } from './context/validate.js';
export type { InputOf, OutputOf } from './flows/child-types.js';
export type { Condition } from './flows/condition.js';
export { Diverter, diverter } from './flows/diverter.js';
export type { Child, Children, FlowChild, FlowOptions } from './flows/flow.js';
export { Flow } from './flows/flow.js';
export { Ifs, ifs } from './flows/ifs.js';
export { DEFAULT_MAX_ITERATIONS, Loop, LoopLimitError, type LoopOptions, loop } from './flows/loop.js';
export { Parallel, type ParallelOptions, parallel } from './flows/parallel.js';
export { Pipeline, pipeline } from './flows/pipeline.js';
export { DEFAULT_RETRY_ATTEMPTS, Retry, type RetryOptions, retry } from './flows/retry.js';
export { SwitchCase, switchCase } from './flows/switch-case.js';
export { Timeout, TimeoutError, timeout } from './flows/timeout.js';
export { Warp, warp } from './flows/warp.js';
export type { CallTarget } from './hooks/call-target.js';
export type {
  Hook,
  HookClass,
  HookErrorMode,
  HookFactory,
  HookOptions,
  HookPhase,
  HookProvider,
  HookRegistration,
} from './hooks/hook.js';
export { DEFAULT_HOOK_PRIORITY } from './hooks/hook.js';
export { type HookFailure, HookPhaseError } from './hooks/hook-phase-error.js';
export { registerHookProvider } from './hooks/registry.js';
export type {
  CallContext,
  InvokeOptions,
  ModelInfo,
  ModelParameterInput,
  ModelParameterValue,
  ProviderTokenDetails,
  ProviderUsage,
  StreamState,
  Usage,
} from './invocation.js';
export { Invocation, StreamCancelledError } from './invocation.js';
export { type Logger, logWarning, setLogger } from './logger.js';
export { FnRunnable, fn } from './runnables/fn.js';
export { Module } from './runnables/module.js';
export { Runnable, type RunnableKind, type RunnableOptions } from './runnables/runnable.js';
export { traced } from './runnables/traced.js';
export {
  configureTracing,
  DEFAULT_REDACT_KEYS,
  getTracingSettings,
  type MaskFunction,
  type TracingSettings,
} from './settings.js';
export type { StreamAggregate, StreamedToolCall } from './streaming/aggregate.js';
export { getTrace, setTrace, withTrace } from './trace-api.js';
export * as attributes from './tracing/attributes.js';
export { isStandInParent } from './tracing/context-carrier.js';
export { KIND_FACTS, type KindFacts, type KnownKind, kindFacts } from './tracing/kinds.js';
export { TRACER_NAME } from './tracing/tracer.js';
export { VERSION } from './version.js';

// Public API of @lazytrace/config. Explicit named exports only.
import './backends/builtin.js';
import './env-defaults.js';

export {
  type Backend,
  type BackendContext,
  type BackendDeclaration,
  type BackendFactory,
  type BackendOptionsByKey,
  type BackendSettings,
  registerBackend,
} from './backends/backend.js';
export { DEFAULT_TRACE_FILE } from './backends/builtin.js';
export { type ConsoleBackendOptions, ConsoleTreeExporter } from './backends/console-exporter.js';
export {
  DEFAULT_FILE_FLUSH_INTERVAL_MS,
  type FileBackendOptions,
  FileSpanExporter,
} from './backends/file-exporter.js';
export type { OtlpBackendOptions, OtlpProtocol } from './backends/otlp.js';
export {
  type CapturedTrace,
  CaptureSpanProcessor,
  type CaptureTraceOptions,
  captureTrace,
} from './capture-trace.js';
export { ConfigError } from './env.js';
export {
  defaultBackendNames,
  describeTracing,
  getTracingStats,
  type InitTracingOptions,
  initTracing,
  shutdownTracing,
  type TracingDescription,
  type TracingHandle,
} from './init-tracing.js';
export { LazytraceSampler } from './sampler.js';
export { getTrace, getTraceId, setTrace, withTrace } from './set-trace.js';
export type { TracingStats } from './stats.js';

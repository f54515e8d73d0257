// `@lazytrace/core/internal`: the trace-context store under the names lazytrace's own packages,
// tests and benchmarks use. Applications use `setTrace` / `withTrace` / `getTrace` (exported by
// `@lazytrace/core` and `@lazytrace/config`), the one public name for each of these. Not covered
// by semver.
export { enterTraceContext, getTraceContext, runWithTraceContext } from './context/trace-context.js';
export { markBuiltInHook } from './hooks/lifecycle.js';
export { timerDelay } from './timer-delay.js';

import { type Context, context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The id of the trace the current code runs in (32 lowercase hex characters): the active span's,
 * which inside a traced call is the call's own. `undefined` when no trace is active (tracing off
 * for the request, or no OpenTelemetry SDK). For an `x-trace-id` response header or
 * `score({ traceId })`. Never throws.
 */
export function getTraceId(): string | undefined {
  try {
    return traceIdIn(context.active());
  } catch {
    return undefined;
  }
}

/** The trace id of the span in `ctx` (a call's own context), `undefined` when there is none. */
export function traceIdIn(ctx: Context): string | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

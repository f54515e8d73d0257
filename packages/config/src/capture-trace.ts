import { fn, getTraceId, logWarning } from '@lazytrace/core';
import {
  buildTrace,
  type DetailLevel,
  fromReadableSpan,
  type SpanNode,
  type SpanRecord,
  type TraceSummary,
} from '@lazytrace/traces';
import { type Context, context, trace } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

export interface CaptureTraceOptions {
  /** Name of the request's root span. Default `'request'`. */
  readonly name?: string;
  /** Detail of the returned tree. Default `'standard'` (IO previews ≤ 500 characters). */
  readonly level?: DetailLevel;
  /** Spans kept for the returned tree; beyond this they still go to the backends. Default 10,000. */
  readonly maxSpans?: number;
}

export interface CapturedTrace<T> {
  /** What `fn` returned, unchanged. */
  readonly output: T;
  /**
   * The request's tree (`GET /api/traces/:id`'s `root`), or null when nothing was recorded:
   * tracing off or sampled out for the call, or no capture processor on the provider (see
   * CaptureSpanProcessor).
   */
  readonly trace: SpanNode | null;
  readonly summary: TraceSummary | null;
  readonly traceId: string | null;
}

const DEFAULT_MAX_SPANS = 10_000;

class Collector {
  readonly spans: SpanRecord[] = [];
  dropped = 0;
  constructor(private readonly max: number) {}
  add(span: ReadableSpan): void {
    if (this.spans.length >= this.max) {
      this.dropped++;
      return;
    }
    this.spans.push(fromReadableSpan(span));
  }
}

/** Open captures by trace id. */
const collectors = new Map<string, Collector>();
/** Capture processors attached to a live provider. */
let attached = 0;
let warnedDetached = false;

/**
 * Hands the spans of traces being captured by captureTrace to their capture; every other span
 * passes untouched (one map lookup, only while a capture is open). initTracing puts one on
 * lazytrace's provider; an application with its own OpenTelemetry SDK adds one to its provider:
 * `new NodeSDK({ spanProcessors: [new CaptureSpanProcessor(), …] })`.
 */
export class CaptureSpanProcessor implements SpanProcessor {
  private live = true;

  constructor() {
    attached++;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (collectors.size === 0) return;
    try {
      collectors.get(span.spanContext().traceId)?.add(span);
    } catch {
      // Capturing never disturbs the application or the other processors.
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    if (this.live) {
      this.live = false;
      attached--;
    }
    return Promise.resolve();
  }
}

/**
 * Runs `fn` as one request (a root span named `options.name`, its own trace, whatever span is
 * active around the call) and resolves to `{ output, trace }`: what `fn` returned, unchanged, and
 * the request's tree in the API's SpanNode shape, so an HTTP handler can return the trace with its
 * answer. The backends still receive every span. A failure of `fn` rejects with the same error.
 *
 * The tree holds the spans that ended by the time `fn` settled: a stream returned by `fn` and
 * consumed later is not in it (consume it inside `fn`). With no capture processor on the provider
 * (tracing not initialised with initTracing, and none added to the application's own SDK),
 * `trace` is null and one warning says why.
 */
export async function captureTrace<T>(
  body: () => T | PromiseLike<T>,
  options: CaptureTraceOptions = {},
): Promise<CapturedTrace<Awaited<T>>> {
  if (typeof body !== 'function') throw new TypeError('captureTrace: expected a function');
  const max = Math.max(1, options.maxSpans ?? DEFAULT_MAX_SPANS);
  let traceId: string | undefined;
  let collector: Collector | undefined;
  const request = fn(
    () => {
      // Inside the root span: its trace id names the capture before any child starts.
      traceId = getTraceId();
      if (traceId !== undefined && attached > 0 && !collectors.has(traceId)) {
        collector = new Collector(max);
        collectors.set(traceId, collector);
      }
      return body();
    },
    { name: options.name ?? 'request', kind: 'flow' },
  );
  let output: Awaited<T>;
  try {
    // Its own root: the active span (an HTTP server span, an outer request) is not its parent.
    output = (await context.with(trace.deleteSpan(context.active()), () =>
      request.invoke(undefined),
    )) as Awaited<T>;
  } finally {
    if (traceId !== undefined && collectors.get(traceId) === collector) collectors.delete(traceId);
  }
  if (attached === 0 && !warnedDetached) {
    warnedDetached = true;
    logWarning(
      'captureTrace: no capture processor is attached to a tracer provider (tracing not initialised, or disabled), so no trace is returned (trace: null). Call initTracing() first, or add new CaptureSpanProcessor() to your own OpenTelemetry provider.',
    );
  }
  if (collector === undefined || collector.spans.length === 0) {
    return { output, trace: null, summary: null, traceId: traceId ?? null };
  }
  const built = buildTrace(collector.spans, options.level ?? 'standard');
  return { output, trace: built.root, summary: built.trace, traceId: traceId ?? null };
}

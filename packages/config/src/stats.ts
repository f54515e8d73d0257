import { logWarning } from '@lazytrace/core';
import type { Context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Counters of what happened to lazytrace's spans since `initTracing`. */
export interface TracingStats {
  /** Spans that ended (recorded spans only). */
  readonly ended: number;
  /** Spans a backend accepted (counted per backend: two backends count a span twice). */
  readonly exported: number;
  /**
   * Spans that never reached a backend: its export failed (after the exporter's own retries) or
   * its queue was full because the backend could not keep up (counted per backend).
   */
  readonly dropped: number;
  /** Export calls that failed. */
  readonly failedExports: number;
}

export class StatsRecorder {
  ended = 0;
  exported = 0;
  dropped = 0;
  failedExports = 0;
  private readonly reported = new Set<string>();

  snapshot(): TracingStats {
    return {
      ended: this.ended,
      exported: this.exported,
      dropped: this.dropped,
      failedExports: this.failedExports,
    };
  }

  /** A backend's queue was full: the span is dropped rather than held (bounded memory). */
  queueFull(backend: string): void {
    this.dropped++;
    const key = `${backend}:queue`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    logWarning(
      `backend "${backend}" is not keeping up (its export queue is full): spans are dropped, not queued. Further drops are counted, not logged: see getTracingStats().`,
    );
  }

  /** Reported once per backend: a backend that is down must not flood the application's log. */
  failed(backend: string, spans: number, error: unknown): void {
    this.failedExports++;
    this.dropped += spans;
    // An exporter that already told the user (the Langfuse exporter on bad credentials) marks its error.
    if ((error as { reported?: unknown } | undefined)?.reported === true) return;
    if (this.reported.has(backend)) return;
    this.reported.add(backend);
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    logWarning(
      `backend "${backend}" failed to export ${spans} span(s): ${reason}. Further failures are counted, not logged: see getTracingStats().`,
    );
  }
}

/** Counts spans as they end (first processor on the provider). */
export class CountingProcessor implements SpanProcessor {
  constructor(private readonly stats: StatsRecorder) {}
  onStart(_span: Span, _parentContext: Context): void {}
  onEnd(_span: ReadableSpan): void {
    this.stats.ended++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Wraps a backend's exporter to count accepted and failed spans. Never throws into the processor. */
export class CountingExporter implements SpanExporter {
  /** Spans handed to this backend's processor and not yet through its exporter. */
  pending = 0;

  constructor(
    readonly backend: string,
    private readonly inner: SpanExporter,
    private readonly stats: StatsRecorder,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let settled = false;
    const done = (result: ExportResult) => {
      if (settled) return;
      settled = true;
      this.pending = Math.max(0, this.pending - spans.length);
      if (result.code === ExportResultCode.SUCCESS) this.stats.exported += spans.length;
      else this.stats.failed(this.backend, spans.length, result.error);
      resultCallback(result);
    };
    try {
      this.inner.export(spans, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/**
 * Puts a bound on what one backend may hold: at most `limit` spans between ending and leaving
 * through the exporter (queued or being sent). Past that a span is dropped and counted, so a
 * backend that is down or slow costs bounded memory. The limit sits below the batch processor's
 * own queue size, so every drop is seen (and counted) here.
 */
export class BoundedProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly exporter: CountingExporter,
    private readonly stats: StatsRecorder,
    private readonly limit: number,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this.exporter.pending >= this.limit) {
      this.stats.queueFull(this.exporter.backend);
      return;
    }
    this.exporter.pending++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

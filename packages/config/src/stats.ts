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
  /** Spans a backend could not take (export failed after the exporter's own retries). */
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
  constructor(
    private readonly backend: string,
    private readonly inner: SpanExporter,
    private readonly stats: StatsRecorder,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let settled = false;
    const done = (result: ExportResult) => {
      if (settled) return;
      settled = true;
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

import { logWarning } from '@lazytrace/core';
import { type Context, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { redactText } from './describe.js';
import type { GuardedExporter } from './export-guard.js';

/**
 * Counters of what happened to lazytrace's spans since `initTracing`. After `shutdownTracing()`
 * they keep their final values (until the next `initTracing`).
 */
export interface TracingStats {
  /** Spans that ended (recorded spans only). */
  readonly ended: number;
  /** Spans a backend accepted (counted per backend: two backends count a span twice). */
  readonly exported: number;
  /**
   * Spans that never reached a backend: its export failed (after the exporter's own retries),
   * took longer than the export timeout, was still waiting at the shutdown / exit deadline, or
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

  /** Logs `message` the first time `key` is seen: one report per backend and kind of trouble. */
  reportOnce(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    logWarning(message);
  }

  /** A backend's queue was full: the span is dropped rather than held (bounded memory). */
  queueFull(backend: string): void {
    this.dropped++;
    this.reportOnce(
      `${backend}:queue`,
      `backend "${backend}" is not keeping up (its export queue is full): spans are dropped, not queued. Further drops are counted, not logged: see getTracingStats().`,
    );
  }

  /** A span ended after its backend was stopped at the final deadline. */
  afterStop(backend: string): void {
    this.dropped++;
    this.reportOnce(
      `${backend}:stopped`,
      `backend "${backend}" was stopped at the flush deadline: spans ending now are dropped and counted (see getTracingStats()).`,
    );
  }

  /**
   * Reported once per backend and kind of failure (refused connection, timeout, HTTP status …):
   * a backend that is down must not flood the application's log, whatever the number of flushes.
   */
  failed(backend: string, spans: number, error: unknown): void {
    this.failedExports++;
    this.dropped += spans;
    // An exporter that already told the user (the Langfuse exporter on bad credentials) marks its error.
    if ((error as { reported?: unknown } | undefined)?.reported === true) return;
    const kind = failureKind(error);
    this.reportOnce(
      `${backend}:${kind}`,
      `backend "${backend}" failed to export ${spans} span(s): ${reasonOf(error)}. Further failures of this kind are counted, not logged: see getTracingStats().`,
    );
  }
}

/** What kind of failure an export error is, for reporting each kind once. */
export function failureKind(error: unknown): string {
  try {
    if (error === null || typeof error !== 'object') return 'unknown';
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'number') return `status ${code}`;
    if (typeof code === 'string' && code !== '') return code;
    return typeof name === 'string' && name !== '' ? name : 'error';
  } catch {
    return 'unknown';
  }
}

function reasonOf(error: unknown): string {
  try {
    const raw = error instanceof Error ? error.message || error.name : String(error ?? 'unknown error');
    const text = redactText(raw.length > 300 ? `${raw.slice(0, 300)}…` : raw);
    return text;
  } catch {
    return 'unknown error';
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

/**
 * Puts a bound on what one backend may hold: at most `limit` spans between ending and leaving
 * through the exporter (queued or being sent). Past that a span is dropped and counted, so a
 * backend that is down or slow costs bounded memory. The limit sits below the batch processor's
 * own queue size, so every drop is seen (and counted) here.
 */
export class BoundedProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly exporter: GuardedExporter,
    private readonly stats: StatsRecorder,
    private readonly limit: number,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // The simple processor skips a span recorded but not sampled: counted as pending, it would
    // never be answered, and the backend would look busy (and fill up) forever.
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.exporter.stopped) {
      this.stats.afterStop(this.exporter.backend);
      return;
    }
    if (this.exporter.pending >= this.limit) {
      this.stats.queueFull(this.exporter.backend);
      return;
    }
    this.exporter.pending++;
    this.inner.onEnd(span);
  }

  /** Also waits for the exports the guard still follows (given up ones included). */
  async forceFlush(): Promise<void> {
    await this.inner.forceFlush().catch(() => undefined);
    await this.exporter.idle();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

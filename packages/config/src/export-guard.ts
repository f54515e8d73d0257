import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { StatsRecorder } from './stats.js';

/** One `export()` call in progress, and the HTTP requests it started. */
interface ExportCall {
  readonly requests: Set<ClientRequest>;
  /** Given up on: requests it still starts (an exporter's retry) are destroyed at once. */
  abandoned: boolean;
  settle(result: ExportResult): void;
}

/**
 * Which export call is running, so that an HTTP request can be traced back to the backend that
 * started it. Node publishes every outgoing request on the `http.client.request.start` channel,
 * in the async context of the code that made it; exporters (OTel's OTLP transport, the Langfuse
 * exporter, a custom one on `node:http`) need no cooperation for their sockets to be found.
 */
const exportScope = new AsyncLocalStorage<ExportCall>();
const REQUEST_START = 'http.client.request.start';
let listeners = 0;

function onRequestStart(message: unknown): void {
  const call = exportScope.getStore();
  if (call === undefined) return;
  const request = (message as { request?: ClientRequest }).request;
  if (request === undefined) return;
  if (call.abandoned) {
    // Not inside the request's constructor: destroy it once it is fully made.
    process.nextTick(() => request.destroy(abandonedError()));
    return;
  }
  call.requests.add(request);
  request.once('close', () => call.requests.delete(request));
  // An exporter's socket never keeps the process alive by itself (the agent refs a socket each
  // time it hands it to a request, so this runs per request). A process about to end gets its
  // 'beforeExit', and the exit flush holds it — within the one deadline — for what is in flight.
  // Node publishes the start when the request is finished, often after its socket was assigned.
  request.socket?.unref();
  request.on('socket', (socket) => socket.unref());
}

/** Starts finding exporters' HTTP requests (once per running `initTracing`). */
export function watchExportRequests(): () => void {
  if (listeners++ === 0) diagnosticsChannel.subscribe(REQUEST_START, onRequestStart);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--listeners === 0) diagnosticsChannel.unsubscribe(REQUEST_START, onRequestStart);
  };
}

/**
 * Not retryable for OTel's transport (its code is none of the network codes it retries), so an
 * abandoned export ends instead of trying again.
 */
function abandonedError(): Error {
  return Object.assign(new Error('export abandoned by lazytrace (deadline passed)'), {
    code: 'LAZYTRACE_EXPORT_ABANDONED',
  });
}

export class ExportTimeoutError extends Error {
  override readonly name = 'ExportTimeoutError';
}

/**
 * A backend's exporter behind lazytrace's guard:
 * - counts what it accepted and what failed (never throws into the span processor);
 * - gives up on an export that has not called back within `timeoutMs` (an exporter that never
 *   calls back, a backend that answers 200 and then drips one byte every 200 ms): its spans are
 *   counted as dropped and the HTTP requests it started are destroyed, so no socket outlives it;
 * - `stop()` (the shutdown / exit deadline) abandons everything in flight the same way and
 *   counts every span still waiting for this backend as dropped; later spans are dropped and
 *   counted as they end. Every span is counted once: exported or dropped.
 */
export class GuardedExporter implements SpanExporter {
  /** Spans handed to this backend's processor and not yet through the exporter (nor written off). */
  pending = 0;
  /** Past the final deadline: nothing more is sent. */
  stopped = false;
  /** Whether an export was ever given up on (its late retries must still be found). */
  abandonedAny = false;
  private readonly calls = new Set<ExportCall>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly backend: string,
    private readonly inner: SpanExporter,
    private readonly stats: StatsRecorder,
    private readonly timeoutMs: number,
  ) {}

  /**
   * The processor is answered when the export really ends: succeeded, failed, or given up at the
   * timeout or the final deadline (lazytrace's batch processor arms no ref'd timer of its own, so
   * waiting for a hanging backend never holds a process that is ending).
   */
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    // Spans arriving after stop() were counted as dropped when the backend was stopped.
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('backend stopped') });
      return;
    }
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const call: ExportCall = {
      requests: new Set(),
      abandoned: false,
      settle: (result) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        this.calls.delete(call);
        if (this.calls.size === 0) this.wakeIdle();
        this.pending = Math.max(0, this.pending - spans.length);
        if (result.code === ExportResultCode.SUCCESS) this.stats.exported += spans.length;
        else this.stats.failed(this.backend, spans.length, result.error);
        resultCallback(result);
      },
    };
    this.calls.add(call);
    timer = setTimeout(() => {
      this.abandon(call, new ExportTimeoutError(`export did not finish within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
    timer.unref();
    try {
      exportScope.run(call, () => this.inner.export(spans, (result) => call.settle(result)));
    } catch (error) {
      call.settle({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  /**
   * The final deadline passed: abandon what is in flight (destroying its sockets), write off
   * what still waits in the processor, and stop the exporter itself (its retries end).
   */
  stop(reason: Error): void {
    if (this.stopped) return;
    for (const call of [...this.calls]) this.abandon(call, reason);
    this.stopped = true;
    if (this.pending > 0) {
      this.stats.dropped += this.pending;
      this.pending = 0;
    }
    void Promise.resolve()
      .then(() => this.inner.shutdown())
      .catch(() => undefined);
  }

  /** Whether anything of this backend still waits or is being sent. */
  busy(): boolean {
    return !this.stopped && (this.calls.size > 0 || this.pending > 0);
  }

  /** Resolves when no export of this backend is in flight (the exit flush waits for these too). */
  idle(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private abandon(call: ExportCall, reason: Error): void {
    call.abandoned = true;
    this.abandonedAny = true;
    for (const request of call.requests) request.destroy(abandonedError());
    call.requests.clear();
    call.settle({ code: ExportResultCode.FAILED, error: reason });
  }

  forceFlush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  /**
   * The exporter is shut down only once its exports are done (or given up at the deadline), so
   * its own retries (Langfuse on a 500) are not cut short.
   */
  async shutdown(): Promise<void> {
    await this.idle();
    if (this.stopped) return;
    await this.inner.shutdown();
  }
}

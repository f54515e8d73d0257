import { type Context, context, TraceFlags } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { GuardedExporter } from './export-guard.js';
import type { StatsRecorder } from './stats.js';

export interface BatchLimits {
  /** Spans waiting for an export (not those being sent): past this, a span is dropped and counted. */
  readonly maxQueuedSpans: number;
  /** Spans per export. */
  readonly maxBatchSpans: number;
  /** Exports of this backend in flight at once. */
  readonly maxConcurrentExports: number;
  /** Longest a span waits for its batch to fill before the batch is sent anyway. */
  readonly delayMs: number;
}

/**
 * One backend's batching, in place of OTel's `BatchSpanProcessor`, with what lazytrace needs:
 * - The bound counts spans **waiting** (like OTel's queue), not the batches being sent: a
 *   backend that keeps up never drops a span because a batch is in flight. Memory stays bounded:
 *   `maxQueuedSpans` waiting plus `maxConcurrentExports × maxBatchSpans` being sent.
 * - A full batch is sent at once; a partial one after `delayMs`. Up to `maxConcurrentExports`
 *   batches are in flight, so the next batch is serialized while the previous one is on the wire
 *   (OTel sends one at a time and idles the queue meanwhile).
 * - No timer of its own keeps the process alive (the delay timer is unref'd, and there is no
 *   per-batch export timer: the guard gives up on an export at its timeout), so a hanging backend
 *   never holds a process that is ending for one timeout per batch; the exit flush and its one
 *   deadline decide how long an ending process waits.
 * - Every span is counted once: exported or dropped (queue full, export failed or given up, still
 *   waiting at the final deadline, or ended after it).
 */
export class BatchExportProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The delay passed while every export slot was taken: the next free slot sends what waits. */
  private due = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly guard: GuardedExporter,
    private readonly stats: StatsRecorder,
    private readonly limits: BatchLimits,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    // As OTel's batch processor: a span recorded but not sampled is not exported.
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.guard.stopped) {
      this.stats.afterStop(this.guard.backend);
      return;
    }
    if (this.closed) {
      this.stats.dropped++;
      return;
    }
    if (this.queue.length >= this.limits.maxQueuedSpans) {
      this.stats.queueFull(this.guard.backend);
      return;
    }
    this.queue.push(span);
    this.guard.pending++;
    if (this.queue.length >= this.limits.maxBatchSpans) this.sendFullBatches();
    else if (this.timer === undefined) this.armTimer();
  }

  /** Sends everything waiting now, and resolves once every export of this backend has ended. */
  async forceFlush(): Promise<void> {
    this.clearTimer();
    this.due = false;
    // All at once, past the concurrency limit: a flush is waited for (often at exit).
    while (this.queue.length > 0 && !this.guard.stopped) this.sendOne();
    // Also the batches still waiting for their resource's attributes (not at the guard yet).
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.guard.idle();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.forceFlush();
    await this.guard.shutdown();
  }

  private sendFullBatches(): void {
    while (
      this.inFlight < this.limits.maxConcurrentExports &&
      this.queue.length >= this.limits.maxBatchSpans
    ) {
      this.sendOne();
    }
    if (this.queue.length === 0) this.clearTimer();
    else if (this.timer === undefined && !this.due) this.armTimer();
  }

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.inFlight < this.limits.maxConcurrentExports) {
        if (this.queue.length > 0) this.sendOne();
      } else this.due = true;
    }, this.limits.delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private sendOne(): void {
    let batch: ReadableSpan[];
    if (this.queue.length <= this.limits.maxBatchSpans) {
      batch = this.queue;
      this.queue = [];
    } else {
      batch = this.queue.splice(0, this.limits.maxBatchSpans);
    }
    this.inFlight++;
    let ended = false;
    const done = () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      this.afterExport();
      if (this.inFlight === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    };
    const pending = asyncResources(batch);
    if (pending === undefined) this.exportNow(batch, done);
    else
      void Promise.all(pending).then(
        () => this.exportNow(batch, done),
        () => this.exportNow(batch, done),
      );
  }

  private exportNow(batch: ReadableSpan[], done: () => void): void {
    // The exporter's own work (its HTTP request) is not traced.
    context.with(suppressTracing(context.active()), () => this.guard.export(batch, done));
  }

  private afterExport(): void {
    if (this.guard.stopped) {
      // Counted as dropped by the guard when it was stopped.
      this.queue = [];
      this.clearTimer();
      return;
    }
    if (this.queue.length >= this.limits.maxBatchSpans) this.sendFullBatches();
    else if (this.due && this.queue.length > 0) {
      this.due = false;
      this.sendOne();
    } else if (this.queue.length > 0 && this.timer === undefined) this.armTimer();
  }
}

/** Resources whose asynchronous attributes are still to come: waited for, as OTel's processor does. */
function asyncResources(batch: readonly ReadableSpan[]): Promise<unknown>[] | undefined {
  let pending: Promise<unknown>[] | undefined;
  for (const span of batch) {
    const resource = span.resource as {
      asyncAttributesPending?: boolean;
      waitForAsyncAttributes?: () => Promise<void>;
    };
    if (resource.asyncAttributesPending && resource.waitForAsyncAttributes) {
      pending ??= [];
      pending.push(resource.waitForAsyncAttributes());
    }
  }
  return pending;
}

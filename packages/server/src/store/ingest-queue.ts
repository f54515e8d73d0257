import type { SpanRecord } from '@lazytrace/traces';
import type { TraceStore } from './store.js';

/** More spans are waiting to be stored than the queue holds: the sender should retry later. */
export class IngestBusyError extends Error {
  constructor(pending: number) {
    super(`the trace store is busy (${pending} spans waiting to be stored); retry later`);
    this.name = 'IngestBusyError';
  }
}

interface Entry {
  spans: readonly SpanRecord[];
  resolve: (stored: number) => void;
  reject: (error: unknown) => void;
}

export interface IngestQueueOptions {
  /** Spans per DuckDB transaction, at most. Default 10,000. */
  batchSize?: number;
  /** How long a lone small request waits for company before its batch is written. Default 10 ms. */
  lingerMs?: number;
  /** Spans waiting beyond which submit() refuses (OTLP answers 503). Default 200,000. */
  maxPending?: number;
}

/**
 * Collects spans from every source (OTLP requests, tailed files) into batches: one DuckDB
 * transaction per batch instead of one per request is what makes tens of thousands of spans per
 * second possible. submit() resolves when the spans are committed, so an OTLP request is answered
 * 200 only for spans that are stored.
 */
export class IngestQueue {
  private readonly store: TraceStore;
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly maxPending: number;
  private queue: Entry[] = [];
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(store: TraceStore, options: IngestQueueOptions = {}) {
    this.store = store;
    this.batchSize = options.batchSize ?? 10_000;
    this.lingerMs = options.lingerMs ?? 10;
    this.maxPending = options.maxPending ?? 200_000;
  }

  get pendingSpans(): number {
    return this.pending;
  }

  submit(spans: readonly SpanRecord[], options: { wait?: boolean } = {}): Promise<number> {
    if (spans.length === 0) return Promise.resolve(0);
    if (!options.wait && this.pending > 0 && this.pending + spans.length > this.maxPending) {
      return Promise.reject(new IngestBusyError(this.pending));
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ spans, resolve, reject });
      this.pending += spans.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.pending >= this.batchSize) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.drain();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.lingerMs);
    }
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch: Entry[] = [];
        let size = 0;
        while (
          this.queue.length > 0 &&
          (batch.length === 0 || size + (this.queue[0] as Entry).spans.length <= this.batchSize)
        ) {
          const entry = this.queue.shift() as Entry;
          batch.push(entry);
          size += entry.spans.length;
        }
        const spans = batch.length === 1 ? (batch[0] as Entry).spans : batch.flatMap((e) => e.spans);
        try {
          await this.store.ingest(spans);
          for (const entry of batch) entry.resolve(entry.spans.length);
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        } finally {
          this.pending -= size;
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Resolves when everything submitted so far is stored (or failed). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (!this.running) void this.drain();
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

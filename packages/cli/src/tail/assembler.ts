import type { SpanRecord } from '@lazytrace/traces';

/** Spans held while waiting for their traces to complete; beyond this the oldest traces go. */
const MAX_PENDING_SPANS = 200_000;
/** Ids of printed traces remembered (late spans of these are ignored, not printed as new). */
const MAX_DONE_IDS = 50_000;

interface Pending {
  spans: SpanRecord[];
  /** A rotated file may hold spans read before (cleanup rewrites keep them): each counts once. */
  spanIds: Set<string>;
  hasRoot: boolean;
  firstSeenMs: number;
}

/**
 * Collects spans per trace and says which traces are complete: a trace is complete once its
 * root has ended (a span with no parent, or lazytrace's request root under a foreign parent)
 * and the file has settled (no growth for a moment, so the spans written in the same flush are
 * in). A trace that never gets a root is given out anyway after `maxWaitMs`.
 */
export class TraceAssembler {
  private readonly pending = new Map<string, Pending>();
  private readonly done = new Set<string>();
  private pendingSpans = 0;
  dropped = 0;
  lateSpans = 0;

  constructor(private readonly maxWaitMs: number) {}

  add(spans: readonly SpanRecord[], now = Date.now()): void {
    for (const span of spans) {
      if (this.done.has(span.traceId)) {
        this.lateSpans++;
        continue;
      }
      let entry = this.pending.get(span.traceId);
      if (entry === undefined) {
        entry = { spans: [], spanIds: new Set(), hasRoot: false, firstSeenMs: now };
        this.pending.set(span.traceId, entry);
      }
      if (entry.spanIds.has(span.spanId)) continue;
      entry.spanIds.add(span.spanId);
      entry.spans.push(span);
      this.pendingSpans++;
      if (span.parentSpanId === undefined || span.attributes['lazytrace.root'] === true) entry.hasRoot = true;
    }
    // Bounded: the oldest waiting traces are dropped (counted) rather than memory growing.
    for (const [traceId, entry] of this.pending) {
      if (this.pendingSpans <= MAX_PENDING_SPANS) break;
      this.pending.delete(traceId);
      this.pendingSpans -= entry.spans.length;
      this.dropped++;
    }
  }

  /** Complete traces, in the order they were first seen; `settled`: the file is quiet now. */
  take(settled: boolean, now = Date.now()): { spans: SpanRecord[]; complete: boolean }[] {
    const ready: { spans: SpanRecord[]; complete: boolean }[] = [];
    for (const [traceId, entry] of this.pending) {
      const complete = settled && entry.hasRoot;
      const overdue = now - entry.firstSeenMs >= this.maxWaitMs;
      if (!complete && !overdue) continue;
      this.pending.delete(traceId);
      this.pendingSpans -= entry.spans.length;
      this.markDone(traceId);
      ready.push({ spans: entry.spans, complete: entry.hasRoot });
    }
    return ready;
  }

  /**
   * What was in the file when tail started: complete traces are not printed (only what completes
   * later), nor rootless ones whose spans all ended over `maxWaitMs` ago (a crashed app's leftovers).
   */
  skipExisting(now = Date.now()): number {
    let skipped = 0;
    for (const [traceId, entry] of this.pending) {
      const stale = entry.spans.every((span) => now - span.endMs > this.maxWaitMs);
      if (!entry.hasRoot && !stale) continue;
      this.pending.delete(traceId);
      this.pendingSpans -= entry.spans.length;
      this.markDone(traceId);
      skipped++;
    }
    return skipped;
  }

  /** After a truncation the file starts over: nothing read before belongs to it any more. */
  reset(): void {
    this.pending.clear();
    this.pendingSpans = 0;
  }

  private markDone(traceId: string): void {
    this.done.add(traceId);
    if (this.done.size > MAX_DONE_IDS) {
      const oldest = this.done.values().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}

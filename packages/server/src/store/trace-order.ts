interface Key {
  startMs: number;
  traceId: string;
}

const before = (a: Key, b: Key) =>
  a.startMs < b.startMs || (a.startMs === b.startMs && a.traceId < b.traceId);

/**
 * Every stored trace's (start, id), sorted, in memory: the unfiltered newest-first page (the
 * viewer's overview, polled and paged all the time) is then a binary search instead of a top-N
 * over the whole `traces` table. Changes are buffered and merged at the next read, so an ingest
 * batch of a thousand traces costs one sort of those and one linear merge, not a thousand splices.
 */
export class TraceOrder {
  private sorted: Key[] = [];
  private readonly startOf = new Map<string, number>();
  private added: Key[] = [];
  private removed = new Set<string>();

  get size(): number {
    return this.startOf.size;
  }

  /** Whether the trace is stored (the store asks before every ingest batch, without a query). */
  has(traceId: string): boolean {
    return this.startOf.has(traceId);
  }

  /** A trace stored, or its start moved (an earlier span arrived). */
  set(traceId: string, startMs: number): void {
    const current = this.startOf.get(traceId);
    if (current === startMs) return;
    if (current !== undefined) this.removed.add(keyOf(traceId, current));
    this.startOf.set(traceId, startMs);
    this.added.push({ startMs, traceId });
  }

  delete(traceId: string): void {
    const current = this.startOf.get(traceId);
    if (current === undefined) return;
    this.startOf.delete(traceId);
    this.removed.add(keyOf(traceId, current));
  }

  private settle(): void {
    if (this.added.length === 0 && this.removed.size === 0) return;
    const removed = this.removed;
    const current = (k: Key) => this.startOf.get(k.traceId) === k.startMs;
    const keep = (k: Key) => !removed.has(keyOf(k.traceId, k.startMs)) && current(k);
    // The last change of each trace wins; an old entry survives only if nothing touched it.
    const seen = new Set<string>();
    const fresh: Key[] = [];
    for (let n = this.added.length - 1; n >= 0; n--) {
      const k = this.added[n] as Key;
      if (seen.has(k.traceId) || !current(k)) continue;
      seen.add(k.traceId);
      fresh.push(k);
    }
    fresh.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    const merged: Key[] = [];
    let i = 0;
    let j = 0;
    const old = this.sorted;
    while (i < old.length || j < fresh.length) {
      const a = old[i];
      const b = fresh[j];
      if (b === undefined || (a !== undefined && before(a, b))) {
        if (a !== undefined && (removed.size === 0 || keep(a))) merged.push(a);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    this.sorted = merged;
    this.added = [];
    this.removed = new Set();
  }

  /** Up to `count` trace ids, newest first, strictly older than `after` when given. */
  newest(count: number, after?: Key): string[] {
    this.settle();
    const keys = this.sorted;
    // First index whose key is not before `after` (all of them when there is no cursor).
    let end = keys.length;
    if (after !== undefined) {
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(keys[mid] as Key, after)) lo = mid + 1;
        else hi = mid;
      }
      end = lo;
    }
    const out: string[] = [];
    for (let i = end - 1; i >= 0 && out.length < count; i--) out.push((keys[i] as Key).traceId);
    return out;
  }
}

function keyOf(traceId: string, startMs: number): string {
  return `${startMs}/${traceId}`;
}

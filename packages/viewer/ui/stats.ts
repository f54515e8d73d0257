import type { HistogramBucket, Stats } from './types';

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * Buckets for a latency histogram. Latencies are skewed (a long tail), so when they span more than
 * a decade the buckets are log-spaced; otherwise linear.
 */
export function histogram(durations: number[], bucketCount = 40): HistogramBucket[] {
  const values = durations.filter((d) => Number.isFinite(d) && d >= 0);
  if (values.length === 0) return [];
  let min = Math.min(...values.slice(0, 100_000));
  let max = Math.max(...values.slice(0, 100_000));
  for (let i = 100_000; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max === min) return [{ startMs: min, endMs: min + Math.max(1, min * 0.05), count: values.length }];
  const lo = Math.max(min, 0.001);
  const log = max / lo > 10;
  const edges: number[] = [];
  for (let i = 0; i <= bucketCount; i++) {
    edges.push(
      log
        ? Math.exp(Math.log(lo) + ((Math.log(max) - Math.log(lo)) * i) / bucketCount)
        : min + ((max - min) * i) / bucketCount,
    );
  }
  edges[0] = min;
  edges[bucketCount] = max;
  const counts = new Array<number>(bucketCount).fill(0);
  for (const v of values) {
    let i = log
      ? Math.floor(
          ((Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(max) - Math.log(lo))) * bucketCount,
        )
      : Math.floor(((v - min) / (max - min)) * bucketCount);
    if (i >= bucketCount) i = bucketCount - 1;
    if (i < 0) i = 0;
    counts[i]!++;
  }
  return counts.map((count, i) => ({ startMs: edges[i]!, endMs: edges[i + 1]!, count }));
}

export function computeStats(items: { durationMs: number; status: string }[]): Stats {
  const sorted = items.map((t) => t.durationMs).sort((a, b) => a - b);
  const errors = items.filter((t) => t.status === 'error').length;
  return {
    count: items.length,
    errorRate: items.length ? errors / items.length : 0,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    histogram: histogram(sorted),
  };
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function pick(o: Record<string, unknown>, keys: string[]): number | undefined {
  for (const k of keys) {
    const v = num(o[k]);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * /api/stats as sent by the server, normalized. The contract names the content (count, error rate,
 * p50/p90/p95/p99, histogram buckets) but not every key, so common spellings are accepted; a body
 * this cannot read gives null and the viewer computes from the traces it has.
 */
export function normalizeStats(body: unknown): Stats | null {
  if (!body || typeof body !== 'object') return null;
  let o = body as Record<string, unknown>;
  for (const k of ['overall', 'total', 'stats', 'all']) {
    const inner = o[k];
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      o = { ...o, ...(inner as Record<string, unknown>) };
    }
  }
  const pct = [o.percentiles, o.durationMs, o.latency, o.duration].find(
    (x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x),
  );
  const p = pct ? { ...o, ...pct } : o;
  const count = pick(o, ['count', 'traceCount', 'traces', 'total']);
  const p50 = pick(p, ['p50', 'p50Ms', 'median']);
  const p90 = pick(p, ['p90', 'p90Ms']);
  const p99 = pick(p, ['p99', 'p99Ms']);
  if (count === undefined || p50 === undefined || p90 === undefined || p99 === undefined) return null;
  let errorRate = pick(o, ['errorRate', 'error_rate']);
  if (errorRate === undefined) {
    const errors = pick(o, ['errorCount', 'errors']);
    errorRate = errors !== undefined && count > 0 ? errors / count : 0;
  }
  const rawBuckets = [
    o.histogram,
    o.buckets,
    (o.histogram as { buckets?: unknown } | undefined)?.buckets,
  ].find(Array.isArray) as unknown[] | undefined;
  const buckets: HistogramBucket[] = [];
  let prevEnd = 0;
  for (const b of rawBuckets ?? []) {
    if (!b || typeof b !== 'object') continue;
    const r = b as Record<string, unknown>;
    const c = pick(r, ['count', 'n', 'value']);
    const end = pick(r, [
      'endMs',
      'toMs',
      'upperMs',
      'highMs',
      'maxMs',
      'le',
      'to',
      'end',
      'upper',
      'high',
      'max',
    ]);
    const start =
      pick(r, [
        'startMs',
        'fromMs',
        'lowerMs',
        'lowMs',
        'minMs',
        'from',
        'start',
        'lower',
        'low',
        'min',
        'gt',
      ]) ?? prevEnd;
    if (c === undefined || end === undefined || !Number.isFinite(end)) continue;
    buckets.push({ startMs: start, endMs: end, count: c });
    prevEnd = end;
  }
  return {
    count,
    errorRate,
    p50,
    p90,
    p95: pick(p, ['p95', 'p95Ms']),
    p99,
    histogram: buckets,
  };
}

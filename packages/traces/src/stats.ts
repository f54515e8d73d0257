/**
 * Latency statistics (`GET /api/stats`, `lazytrace stats`): count, error rate, percentiles,
 * histogram and tokens, overall and per group; and the sessions list.
 */
import { modelOf, tokensOf } from './semantics.js';
import type {
  HistogramBucket,
  SessionSummary,
  SpanRecord,
  StatsFigures,
  StatsGroupBy,
  StatsResult,
  TokenCounts,
  TraceSummary,
} from './types.js';

export interface StatsOptions {
  /** Also figures per trace name, span kind or model. */
  groupBy?: StatsGroupBy;
  /** Histogram buckets (equal width between the shortest and the longest). Default 20. */
  buckets?: number;
}

interface Item {
  durationMs: number;
  error: boolean;
  name: string;
  kind: string;
  model: string | null;
  tokens: TokenCounts | null;
}

function toItem(value: TraceSummary | SpanRecord | number): Item {
  if (typeof value === 'number')
    return { durationMs: value, error: false, name: '', kind: '', model: null, tokens: null };
  if ('attributes' in value) {
    const span = value as SpanRecord;
    return {
      durationMs: span.durationMs,
      error: span.status === 'error',
      name: span.name,
      kind: span.kind,
      model: modelOf(span),
      tokens: tokensOf(span),
    };
  }
  const trace = value as TraceSummary;
  return {
    durationMs: trace.durationMs,
    error: trace.status === 'error',
    name: trace.name,
    // A trace's kind is its root's; the summary does not carry it, so traces group as 'trace'.
    kind: 'trace',
    model: trace.model,
    tokens: trace.tokens,
  };
}

/**
 * Figures over traces (their durations and statuses), spans (grouping by kind and model is then
 * per span) or plain durations in ms. Percentiles interpolate linearly between the closest ranks
 * (DuckDB's `quantile_cont`, numpy's default), so the server may compute them in SQL and agree.
 */
export function computeStats(
  items: readonly TraceSummary[] | readonly SpanRecord[] | readonly number[],
  opts: StatsOptions = {},
): StatsResult {
  const buckets = Math.max(1, Math.floor(opts.buckets ?? 20));
  const all = (items as readonly (TraceSummary | SpanRecord | number)[]).map(toItem);
  const result: StatsResult = figures(all, buckets);
  if (opts.groupBy !== undefined) {
    const by = opts.groupBy;
    const groups = new Map<string, Item[]>();
    for (const item of all) {
      const key = (by === 'model' ? item.model : by === 'kind' ? item.kind : item.name) ?? '(none)';
      let list = groups.get(key);
      if (list === undefined) {
        list = [];
        groups.set(key, list);
      }
      list.push(item);
    }
    result.groupBy = by;
    result.groups = [...groups.entries()]
      .map(([key, list]) => ({ key, ...figures(list, buckets) }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  }
  return result;
}

function figures(items: readonly Item[], buckets: number): StatsFigures {
  const durations = items.map((i) => i.durationMs).sort((a, b) => a - b);
  let errorCount = 0;
  let sum = 0;
  const tokens: TokenCounts = { input: 0, output: 0, total: 0 };
  for (const item of items) {
    if (item.error) errorCount++;
    sum += item.durationMs;
    if (item.tokens !== null) {
      tokens.input += item.tokens.input;
      tokens.output += item.tokens.output;
      tokens.total += item.tokens.total;
    }
  }
  const count = items.length;
  return {
    count,
    errorCount,
    errorRate: count === 0 ? 0 : errorCount / count,
    minMs: count === 0 ? 0 : durations[0]!,
    maxMs: count === 0 ? 0 : durations[count - 1]!,
    meanMs: count === 0 ? 0 : sum / count,
    p50: percentile(durations, 50),
    p90: percentile(durations, 90),
    p95: percentile(durations, 95),
    p99: percentile(durations, 99),
    histogram: histogram(durations, buckets),
    tokens,
  };
}

/** The p-th percentile (0..100) of ascending values, interpolated linearly; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/**
 * Equal-width buckets from the shortest to the longest duration; the last bucket includes its
 * upper bound. One bucket when all durations are equal; none when there are none.
 */
export function histogram(sorted: readonly number[], buckets: number): HistogramBucket[] {
  const n = sorted.length;
  if (n === 0) return [];
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  if (max === min) return [{ startMs: min, endMs: max, count: n }];
  const width = (max - min) / buckets;
  const out: HistogramBucket[] = [];
  for (let i = 0; i < buckets; i++)
    out.push({ startMs: min + i * width, endMs: i === buckets - 1 ? max : min + (i + 1) * width, count: 0 });
  for (const d of sorted) {
    const i = Math.min(buckets - 1, Math.floor((d - min) / width));
    out[i]!.count++;
  }
  return out;
}

/** Sessions of the traces that have a session id, most recently seen first. */
export function summarizeSessions(traces: readonly TraceSummary[]): SessionSummary[] {
  const sessions = new Map<
    string,
    {
      first: number;
      last: number;
      traces: number;
      errors: number;
      users: Set<string>;
      tokens: TokenCounts;
      ms: number;
    }
  >();
  for (const t of traces) {
    if (t.sessionId === null) continue;
    let s = sessions.get(t.sessionId);
    if (s === undefined) {
      s = {
        first: t.startMs,
        last: t.startMs + t.durationMs,
        traces: 0,
        errors: 0,
        users: new Set(),
        tokens: { input: 0, output: 0, total: 0 },
        ms: 0,
      };
      sessions.set(t.sessionId, s);
    }
    s.first = Math.min(s.first, t.startMs);
    s.last = Math.max(s.last, t.startMs + t.durationMs);
    s.traces++;
    if (t.status === 'error') s.errors++;
    if (t.userId !== null) s.users.add(t.userId);
    s.tokens.input += t.tokens.input;
    s.tokens.output += t.tokens.output;
    s.tokens.total += t.tokens.total;
    s.ms += t.durationMs;
  }
  return [...sessions.entries()]
    .map(([sessionId, s]) => ({
      sessionId,
      traceCount: s.traces,
      errorCount: s.errors,
      firstSeen: new Date(s.first).toISOString(),
      lastSeen: new Date(s.last).toISOString(),
      users: [...s.users].sort(),
      tokens: s.tokens,
      durationMs: s.ms,
    }))
    .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || a.sessionId.localeCompare(b.sessionId));
}

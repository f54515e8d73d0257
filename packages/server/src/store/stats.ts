import type { HistogramBucket, StatsFigures, StatsGroupBy, StatsResult } from '@lazytrace/traces';
import { type TraceFilter, whereClause } from './queries.js';
import type { TraceStore } from './store.js';

const BUCKETS = 20;

/**
 * `GET /api/stats` in SQL, with @lazytrace/traces' `computeStats` definitions (linear
 * interpolation between closest ranks = DuckDB's `quantile_cont`; 20 equal-width buckets from the
 * shortest to the longest, the last one closed), so the CLI over a file and the service over the
 * store agree. Without `groupBy`, or by `name`, the items are traces (grouped by trace name); by
 * `kind` or `model` they are spans, since a kind and a model belong to a span.
 */
export async function storeStats(
  store: TraceStore,
  filter: TraceFilter,
  groupBy?: StatsGroupBy,
): Promise<StatsResult> {
  const where = whereClause(filter);
  const perSpan = groupBy === 'kind' || groupBy === 'model';
  const items = perSpan
    ? `SELECT ${groupBy === 'kind' ? 's.kind' : "coalesce(s.model, '(none)')"} AS k, s.duration_ms AS d,
              s.status = 'error' AS e, coalesce(s.input_tokens, 0) AS ti, coalesce(s.output_tokens, 0) AS tout,
              coalesce(s.total_tokens, 0) AS tt
       FROM spans s ${where.sql === '' ? '' : `WHERE s.trace_id IN (SELECT t.trace_id FROM traces t ${where.sql})`}`
    : `SELECT ${groupBy === 'name' ? 't.name' : "''"} AS k, t.duration_ms AS d, t.status = 'error' AS e,
              t.input_tokens AS ti, t.output_tokens AS tout, t.total_tokens AS tt
       FROM traces t ${where.sql}`;
  const sql = (key: string) => `
    WITH items AS (SELECT ${key} AS k, d, e, ti, tout, tt FROM (${items})),
    g AS (
      SELECT k, count(*)::INTEGER AS n, count(*) FILTER (WHERE e)::INTEGER AS errs, min(d) AS mn, max(d) AS mx,
             avg(d) AS mean, quantile_cont(d, 0.5) AS p50, quantile_cont(d, 0.9) AS p90,
             quantile_cont(d, 0.95) AS p95, quantile_cont(d, 0.99) AS p99,
             sum(ti)::DOUBLE AS ti, sum(tout)::DOUBLE AS tout, sum(tt)::DOUBLE AS tt
      FROM items GROUP BY k),
    h AS (
      SELECT i.k, least(${BUCKETS - 1}, floor((i.d - g.mn) / ((g.mx - g.mn) / ${BUCKETS})))::INTEGER AS b,
             count(*)::INTEGER AS c
      FROM items i JOIN g ON i.k = g.k WHERE g.mx > g.mn GROUP BY ALL)
    SELECT g.k, g.n, g.errs, g.mn, g.mx, g.mean, g.p50, g.p90, g.p95, g.p99, g.ti, g.tout, g.tt,
           (SELECT list(struct_pack(b := h.b, c := h.c)) FROM h WHERE h.k = g.k) AS hist
    FROM g`;
  const overallRows = await store.db.rows(sql("''"), where.params);
  const result: StatsResult = figuresFrom(overallRows[0]);
  if (groupBy !== undefined) {
    const groupRows = await store.db.rows(sql('k'), where.params);
    result.groupBy = groupBy;
    result.groups = groupRows
      .map((row) => ({ key: row[0] as string, ...figuresFrom(row) }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  }
  return result;
}

function figuresFrom(row: unknown[] | undefined): StatsFigures {
  if (row === undefined) {
    return {
      count: 0,
      errorCount: 0,
      errorRate: 0,
      minMs: 0,
      maxMs: 0,
      meanMs: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      histogram: [],
      tokens: { input: 0, output: 0, total: 0 },
    };
  }
  const count = row[1] as number;
  const errorCount = row[2] as number;
  const min = row[3] as number;
  const max = row[4] as number;
  return {
    count,
    errorCount,
    errorRate: count === 0 ? 0 : errorCount / count,
    minMs: min,
    maxMs: max,
    meanMs: row[5] as number,
    p50: row[6] as number,
    p90: row[7] as number,
    p95: row[8] as number,
    p99: row[9] as number,
    histogram: histogram(min, max, count, row[13]),
    tokens: { input: row[10] as number, output: row[11] as number, total: row[12] as number },
  };
}

function histogram(min: number, max: number, count: number, raw: unknown): HistogramBucket[] {
  if (count === 0) return [];
  if (max === min) return [{ startMs: min, endMs: max, count }];
  const width = (max - min) / BUCKETS;
  const out: HistogramBucket[] = [];
  for (let i = 0; i < BUCKETS; i++) {
    out.push({ startMs: min + i * width, endMs: i === BUCKETS - 1 ? max : min + (i + 1) * width, count: 0 });
  }
  const items = (raw as { items?: { entries?: { b: number; c: number } }[] } | null)?.items ?? [];
  for (const item of items) {
    const entry =
      (item as { entries?: { b: number; c: number } }).entries ??
      (item as unknown as { b: number; c: number });
    const bucket = out[entry.b];
    if (bucket !== undefined) bucket.count += entry.c;
  }
  return out;
}

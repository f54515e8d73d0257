import { listValue } from '@duckdb/node-api';
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
 *
 * Lean on memory (a million spans by kind is the heavy case): each query is one streaming pass
 * with one quantile state per group (the four quantiles as one list), and the histogram is a
 * second pass once each group's range is known, so no pass joins the items with themselves or
 * holds them (that took ~170 MB at 1M spans; docs/performance.md "Trace service").
 */
export async function storeStats(
  store: TraceStore,
  filter: TraceFilter,
  groupBy?: StatsGroupBy,
): Promise<StatsResult> {
  const where = whereClause(filter);
  const perSpan = groupBy === 'kind' || groupBy === 'model';
  const key = groupBy === 'kind' ? 's.kind' : groupBy === 'model' ? "coalesce(s.model, '(none)')" : 't.name';
  const items = (grouped: boolean) =>
    perSpan
      ? `SELECT ${grouped ? key : "''"} AS k, s.duration_ms AS d, s.status = 'error' AS e,
                coalesce(s.input_tokens, 0) AS ti, coalesce(s.output_tokens, 0) AS tout,
                coalesce(s.total_tokens, 0) AS tt
         FROM spans s ${where.sql === '' ? '' : `WHERE s.trace_id IN (SELECT t.trace_id FROM traces t ${where.sql})`}`
      : `SELECT ${grouped ? key : "''"} AS k, t.duration_ms AS d, t.status = 'error' AS e,
                t.input_tokens AS ti, t.output_tokens AS tout, t.total_tokens AS tt
         FROM traces t ${where.sql}`;
  const figures = async (grouped: boolean): Promise<FigureRow[]> => {
    const rows = await store.db.rows(
      `SELECT k, count(*)::INTEGER, count(*) FILTER (WHERE e)::INTEGER, min(d), max(d), avg(d),
              quantile_cont(d, [0.5, 0.9, 0.95, 0.99]), sum(ti)::DOUBLE, sum(tout)::DOUBLE, sum(tt)::DOUBLE
       FROM (${items(grouped)}) GROUP BY k`,
      where.params,
    );
    return rows.map((row) => ({ row, buckets: new Map<number, number>() }));
  };
  const buckets = async (grouped: boolean, groups: FigureRow[]): Promise<void> => {
    const spread = groups.filter(({ row }) => (row[4] as number) > (row[3] as number));
    if (spread.length === 0) return;
    const n = where.params.length;
    const rows = await store.db.rows(
      `SELECT i.k, least(${BUCKETS - 1}, floor((i.d - r.mn) / ((r.mx - r.mn) / ${BUCKETS})))::INTEGER AS b,
              count(*)::INTEGER
       FROM (${items(grouped)}) i
       JOIN (SELECT unnest($${n + 1}::VARCHAR[]) AS k, unnest($${n + 2}::DOUBLE[]) AS mn,
                    unnest($${n + 3}::DOUBLE[]) AS mx) r ON i.k = r.k
       GROUP BY ALL`,
      [
        ...where.params,
        listValue(spread.map(({ row }) => row[0] as string)),
        listValue(spread.map(({ row }) => row[3] as number)),
        listValue(spread.map(({ row }) => row[4] as number)),
      ],
    );
    const byKey = new Map(spread.map((g) => [g.row[0] as string, g]));
    for (const [k, b, c] of rows) byKey.get(k as string)?.buckets.set(b as number, c as number);
  };

  const [overall] = await figures(false);
  if (overall !== undefined) await buckets(false, [overall]);
  const result: StatsResult = figuresFrom(overall);
  if (groupBy !== undefined) {
    const groups = await figures(true);
    await buckets(true, groups);
    result.groupBy = groupBy;
    result.groups = groups
      .map((group) => ({ key: group.row[0] as string, ...figuresFrom(group) }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  }
  return result;
}

/** One group's figures row (key, count, errors, min, max, mean, quantiles, tokens) and its buckets. */
interface FigureRow {
  row: unknown[];
  buckets: Map<number, number>;
}

function figuresFrom(group: FigureRow | undefined): StatsFigures {
  if (group === undefined) {
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
  const { row } = group;
  const count = row[1] as number;
  const errorCount = row[2] as number;
  const min = row[3] as number;
  const max = row[4] as number;
  const quantiles = listItems(row[6]);
  return {
    count,
    errorCount,
    errorRate: count === 0 ? 0 : errorCount / count,
    minMs: min,
    maxMs: max,
    meanMs: row[5] as number,
    p50: quantiles[0] ?? 0,
    p90: quantiles[1] ?? 0,
    p95: quantiles[2] ?? 0,
    p99: quantiles[3] ?? 0,
    histogram: histogram(min, max, count, group.buckets),
    tokens: { input: row[7] as number, output: row[8] as number, total: row[9] as number },
  };
}

function listItems(value: unknown): number[] {
  const items = (value as { items?: unknown[] } | null)?.items;
  return Array.isArray(items) ? items.map(Number) : [];
}

function histogram(min: number, max: number, count: number, counts: Map<number, number>): HistogramBucket[] {
  if (count === 0) return [];
  if (max === min) return [{ startMs: min, endMs: max, count }];
  const width = (max - min) / BUCKETS;
  const out: HistogramBucket[] = [];
  for (let i = 0; i < BUCKETS; i++) {
    out.push({
      startMs: min + i * width,
      endMs: i === BUCKETS - 1 ? max : min + (i + 1) * width,
      count: counts.get(i) ?? 0,
    });
  }
  return out;
}

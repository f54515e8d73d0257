import type { SessionSummary, TraceSummary } from '@lazytrace/traces';
import type { TraceStore } from './store.js';

/** Filters of `GET /api/traces` (and of `/api/export`, `/api/stats`, `/api/analysis`). */
export interface TraceFilter {
  name?: string;
  status?: 'ok' | 'error';
  session?: string;
  user?: string;
  /** Every tag must be present. */
  tags?: string[];
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Epoch ms, on the trace's start. */
  since?: number;
  until?: number;
  /** Text in a span's name, input or output (case-insensitive). */
  q?: string;
}

export interface Cursor {
  startMs: number;
  traceId: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.startMs, cursor.traceId])).toString('base64url');
}

/** Undefined when the text is not a cursor this service made. */
export function decodeCursor(text: string): Cursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { startMs: value[0], traceId: value[1] };
    }
  } catch {
    // not ours
  }
  return undefined;
}

/** A WHERE clause over `traces` (aliased `t`) and its positional parameters. */
export function whereClause(
  filter: TraceFilter,
  cursor?: Cursor,
): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const p = (value: string | number) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.name !== undefined) parts.push(`t.name = ${p(filter.name)}`);
  if (filter.status !== undefined) parts.push(`t.status = ${p(filter.status)}`);
  if (filter.session !== undefined) parts.push(`t.session_id = ${p(filter.session)}`);
  if (filter.user !== undefined) parts.push(`t.user_id = ${p(filter.user)}`);
  for (const tag of filter.tags ?? []) parts.push(`list_contains(t.tags, ${p(tag)})`);
  if (filter.minDurationMs !== undefined) parts.push(`t.duration_ms >= ${p(filter.minDurationMs)}`);
  if (filter.maxDurationMs !== undefined) parts.push(`t.duration_ms <= ${p(filter.maxDurationMs)}`);
  if (filter.since !== undefined) parts.push(`t.start_ms >= ${p(filter.since)}`);
  if (filter.until !== undefined) parts.push(`t.start_ms <= ${p(filter.until)}`);
  if (filter.q !== undefined && filter.q !== '') {
    const q = p(filter.q.toLowerCase());
    parts.push(
      `(contains(lower(t.name), ${q}) OR t.trace_id IN (SELECT s.trace_id FROM spans s WHERE ` +
        `contains(lower(s.name), ${q}) OR contains(lower(s.input), ${q}) OR contains(lower(s.output), ${q})))`,
    );
  }
  if (cursor !== undefined) {
    const start = p(cursor.startMs);
    const id = p(cursor.traceId);
    parts.push(`(t.start_ms < ${start} OR (t.start_ms = ${start} AND t.trace_id < ${id}))`);
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, params };
}

/** A page of summaries, newest first. */
export async function listTraces(
  store: TraceStore,
  filter: TraceFilter,
  limit: number,
  cursor?: Cursor,
): Promise<{ traces: TraceSummary[]; nextCursor: string | null }> {
  const where = whereClause(filter, cursor);
  // Two steps: the page's ids from the narrow columns, then only those summaries. One query
  // ordering by start would read every row's summary JSON before keeping fifty.
  const unfiltered = Object.values(filter).every((value) => value === undefined);
  const ids = unfiltered
    ? store.newestTraceIds(limit + 1, cursor)
    : (
        await store.db.rows(
          `SELECT t.trace_id FROM traces t ${where.sql} ORDER BY t.start_ms DESC, t.trace_id DESC LIMIT ${limit + 1}`,
          where.params,
        )
      ).map((row) => row[0] as string);
  const summaries = new Map<string, string>();
  if (ids.length > 0) {
    const wanted = ids.slice(0, limit);
    // Constants (not a joined list), so DuckDB filters in the scan and reads only these summaries.
    const found = await store.db.rows(
      `SELECT trace_id, CAST(summary AS VARCHAR) FROM traces WHERE trace_id IN (${wanted.map((_, i) => `$${i + 1}`).join(', ')})`,
      wanted,
    );
    for (const row of found) summaries.set(row[0] as string, row[1] as string);
  }
  const rows = ids.flatMap((id) => {
    const text = summaries.get(id);
    return text === undefined ? [] : [[text]];
  });
  const traces = rows.slice(0, limit).map((row) => JSON.parse(row[0] as string) as TraceSummary);
  const last = traces.at(-1);
  const nextCursor =
    ids.length > limit && last !== undefined
      ? encodeCursor({ startMs: last.startMs, traceId: last.traceId })
      : null;
  return { traces, nextCursor };
}

/** Trace ids matching the filter, newest first (export, analysis). */
export async function traceIds(store: TraceStore, filter: TraceFilter, limit: number): Promise<string[]> {
  const where = whereClause(filter);
  const rows = await store.db.rows(
    `SELECT t.trace_id FROM traces t ${where.sql} ORDER BY t.start_ms DESC, t.trace_id DESC LIMIT ${limit}`,
    where.params,
  );
  return rows.map((row) => row[0] as string);
}

/** Sessions with their trace counts, first and last seen, users, tokens; most recent first. */
export async function listSessions(
  store: TraceStore,
  filter: TraceFilter,
  limit: number,
  offset: number,
): Promise<{ sessions: SessionSummary[]; total: number }> {
  const where = whereClause(filter);
  const sessionWhere =
    where.sql === '' ? 'WHERE t.session_id IS NOT NULL' : `${where.sql} AND t.session_id IS NOT NULL`;
  const rows = await store.db.rows(
    `SELECT t.session_id, count(*)::INTEGER, count(*) FILTER (WHERE t.status = 'error')::INTEGER,
            min(t.start_ms), max(t.end_ms),
            list_sort(list_distinct(list(t.user_id) FILTER (WHERE t.user_id IS NOT NULL))),
            sum(t.input_tokens)::DOUBLE, sum(t.output_tokens)::DOUBLE, sum(t.total_tokens)::DOUBLE,
            sum(t.duration_ms), count(*) OVER ()::INTEGER
     FROM traces t ${sessionWhere}
     GROUP BY t.session_id ORDER BY max(t.end_ms) DESC, t.session_id LIMIT ${limit} OFFSET ${offset}`,
    where.params,
  );
  const sessions = rows.map(
    (row): SessionSummary => ({
      sessionId: row[0] as string,
      traceCount: row[1] as number,
      errorCount: row[2] as number,
      firstSeen: new Date(row[3] as number).toISOString(),
      lastSeen: new Date(row[4] as number).toISOString(),
      users: listItems(row[5]),
      tokens: { input: row[6] as number, output: row[7] as number, total: row[8] as number },
      durationMs: row[9] as number,
    }),
  );
  return { sessions, total: rows.length === 0 ? 0 : (rows[0]?.[10] as number) };
}

/** A DuckDB LIST value (`{ items }`) or null as a string array. */
export function listItems(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  const items = (value as { items?: unknown[] }).items;
  return Array.isArray(items) ? items.filter((v): v is string => typeof v === 'string') : [];
}

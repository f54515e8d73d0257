import type { DetailLevel, StatsGroupBy } from '@lazytrace/traces';
import { parseTimePoint } from '../duration.js';
import type { TraceFilter } from '../store/queries.js';

/** A bad query parameter: answered 400 with `{ error }`. */
export class ParamError extends Error {}

type Query = (name: string) => string | undefined;
type Queries = (name: string) => string[] | undefined;

export function intParam(query: Query, name: string, fallback: number, min: number, max?: number): number {
  const raw = query(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ParamError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min) throw new ParamError(`${name} must be at least ${min}, got ${value}`);
  return max === undefined ? value : Math.min(value, max);
}

function numberParam(query: Query, name: string): number | undefined {
  const raw = query(name);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new ParamError(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

function timeParam(query: Query, name: string): number | undefined {
  const raw = query(name);
  if (raw === undefined || raw === '') return undefined;
  const value = parseTimePoint(raw);
  if (value === undefined) {
    throw new ParamError(
      `${name} must be an ISO date, epoch milliseconds or a duration ago (15m, 7d), got "${raw}"`,
    );
  }
  return value;
}

function stringParam(query: Query, name: string): string | undefined {
  const raw = query(name);
  return raw === undefined || raw === '' ? undefined : raw;
}

/** The list filters shared by /api/traces, /api/export, /api/stats, /api/analysis, /api/sessions. */
export function traceFilter(query: Query, queries: Queries): TraceFilter {
  const filter: TraceFilter = {};
  const name = stringParam(query, 'name');
  if (name !== undefined) filter.name = name;
  const status = stringParam(query, 'status');
  if (status !== undefined) {
    if (status !== 'ok' && status !== 'error')
      throw new ParamError(`status must be ok or error, got "${status}"`);
    filter.status = status;
  }
  const session = stringParam(query, 'session');
  if (session !== undefined) filter.session = session;
  const user = stringParam(query, 'user');
  if (user !== undefined) filter.user = user;
  const tags = (queries('tag') ?? []).filter((t) => t !== '');
  if (tags.length > 0) filter.tags = tags;
  const min = numberParam(query, 'minDurationMs');
  if (min !== undefined) filter.minDurationMs = min;
  const max = numberParam(query, 'maxDurationMs');
  if (max !== undefined) filter.maxDurationMs = max;
  const since = timeParam(query, 'since');
  if (since !== undefined) filter.since = since;
  const until = timeParam(query, 'until');
  if (until !== undefined) filter.until = until;
  const q = stringParam(query, 'q');
  if (q !== undefined) filter.q = q;
  return filter;
}

const LEVELS: readonly DetailLevel[] = ['minimal', 'standard', 'detailed', 'debug'];

export function levelParam(query: Query): DetailLevel {
  const raw = stringParam(query, 'level');
  if (raw === undefined) return 'standard';
  if (!(LEVELS as readonly string[]).includes(raw)) {
    throw new ParamError(`level must be one of ${LEVELS.join(', ')}, got "${raw}"`);
  }
  return raw as DetailLevel;
}

export function groupByParam(query: Query): StatsGroupBy | undefined {
  const raw = stringParam(query, 'groupBy');
  if (raw === undefined) return undefined;
  if (raw !== 'name' && raw !== 'kind' && raw !== 'model') {
    throw new ParamError(`groupBy must be name, kind or model, got "${raw}"`);
  }
  return raw;
}

/** Trace ids are lowercase hex in the store; accept any case. */
export function normalizeTraceId(raw: string): string | undefined {
  const id = raw.trim().toLowerCase();
  return /^[0-9a-f]{1,64}$/.test(id) ? id : undefined;
}

import type {
  Analysis,
  SessionSummary,
  Stats,
  TraceDetail,
  TraceFilters,
  TraceList,
  TraceSummary,
} from './types';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

/**
 * Where the viewer's data comes from: the trace service's HTTP API, or the data embedded in an
 * offline report. The pages only see this interface.
 */
export interface DataSource {
  readonly offline: boolean;
  listTraces(filters: TraceFilters, cursor?: string | null, limit?: number): Promise<TraceList>;
  getTrace(id: string): Promise<TraceDetail | null>;
  getAnalysis(id: string): Promise<Analysis | null>;
  /** The analysis over a time window (all traces when no window): recommendations, slow traces, errors. */
  getWindowAnalysis(filters: TraceFilters): Promise<Analysis | null>;
  /** Latency distribution for the window; null when unavailable (the page computes its own). */
  getStats(filters: TraceFilters): Promise<Stats | null>;
  listSessions(): Promise<SessionSummary[]>;
  /** New traces as they finish; returns the unsubscribe function. */
  subscribe(onTrace: (t: TraceSummary) => void, onStatus: (s: LiveStatus) => void): () => void;
  /**
   * One trace's spans as they arrive, until its root span ends (`end`, then nothing more); returns
   * the unsubscribe function. Absent where nothing arrives (an offline report).
   */
  watchTrace?(traceId: string, on: { span(): void; end(): void }): () => void;
}

/** Does a trace pass the list filters? Used for traces arriving live, and by the offline report. */
export function matchesFilters(t: TraceSummary, f: TraceFilters): boolean {
  const has = (hay: unknown, needle: string) =>
    hay != null &&
    String(typeof hay === 'string' ? hay : JSON.stringify(hay))
      .toLowerCase()
      .includes(needle);
  if (f.status && t.status !== f.status) return false;
  if (f.name && !t.name.toLowerCase().includes(f.name.toLowerCase())) return false;
  if (f.session && t.sessionId !== f.session) return false;
  if (f.user && t.userId !== f.user) return false;
  if (f.tag && !(t.tags ?? []).includes(f.tag)) return false;
  if (f.minDurationMs != null && t.durationMs < f.minDurationMs) return false;
  if (f.maxDurationMs != null && t.durationMs > f.maxDurationMs) return false;
  const start = Date.parse(t.startTime);
  if (f.since && start < Date.parse(f.since)) return false;
  if (f.until && start > Date.parse(f.until)) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    if (!has(t.name, q) && !has(t.input, q) && !has(t.output, q)) return false;
  }
  return true;
}

export function filtersToParams(f: TraceFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  return p;
}

export function paramsToFilters(p: URLSearchParams): TraceFilters {
  const f: TraceFilters = {};
  const str = (k: keyof TraceFilters) => {
    const v = p.get(k);
    if (v) (f as Record<string, unknown>)[k] = v;
  };
  for (const k of ['name', 'session', 'user', 'tag', 'since', 'until', 'q'] as const) str(k);
  const status = p.get('status');
  if (status === 'ok' || status === 'error') f.status = status;
  for (const k of ['minDurationMs', 'maxDurationMs'] as const) {
    const v = p.get(k);
    if (v !== null && v !== '' && Number.isFinite(Number(v))) f[k] = Number(v);
  }
  return f;
}

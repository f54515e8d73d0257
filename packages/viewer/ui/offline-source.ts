import type { DataSource, LiveStatus } from './source';
import { matchesFilters } from './source';
import { computeStats, normalizeStats } from './stats';
import type {
  Analysis,
  OfflineData,
  SessionSummary,
  Stats,
  TraceDetail,
  TraceFilters,
  TraceList,
} from './types';

function spanIds(d: TraceDetail): Set<string> {
  const ids = new Set<string>();
  const stack = [...(d.root ? [d.root] : []), ...d.orphans];
  while (stack.length) {
    const n = stack.pop()!;
    ids.add(n.spanId);
    for (const c of n.children ?? []) stack.push(c);
  }
  return ids;
}

/** The data embedded in an offline report, served with the same semantics as the API. */
export class OfflineSource implements DataSource {
  readonly offline = true;
  private readonly byId = new Map<string, TraceDetail>();
  private readonly sorted: TraceDetail[];

  constructor(private readonly data: OfflineData) {
    this.sorted = [...(data.traces ?? [])].sort(
      (a, b) => Date.parse(b.trace.startTime) - Date.parse(a.trace.startTime),
    );
    for (const d of this.sorted) this.byId.set(d.trace.traceId, d);
  }

  async listTraces(filters: TraceFilters, cursor?: string | null, limit = 200): Promise<TraceList> {
    const all = this.sorted.filter((d) => matchesFilters(d.trace, filters)).map((d) => d.trace);
    const from = cursor ? Number(cursor) : 0;
    const page = all.slice(from, from + limit);
    return { traces: page, nextCursor: from + limit < all.length ? String(from + limit) : null };
  }

  async getTrace(id: string): Promise<TraceDetail | null> {
    return this.byId.get(id) ?? null;
  }

  /** The report carries one analysis for all its traces: keep what concerns this trace. */
  async getAnalysis(id: string): Promise<Analysis | null> {
    const d = this.byId.get(id) as (TraceDetail & { analysis?: Analysis }) | undefined;
    if (d?.analysis) return d.analysis;
    const a = this.data.analysis;
    if (!d || !a) return null;
    const ids = spanIds(d);
    const mine = (spans?: string[]) => (spans ?? []).some((s) => ids.has(s));
    return {
      bottlenecks: (a.bottlenecks ?? []).filter((b) => (b.traceIds ?? []).includes(id) || mine(b.spanIds)),
      criticalPath: (a.criticalPath ?? []).filter((s) => ids.has(s)),
      errors: (a.errors ?? []).filter((e) => mine(e.spanIds) || (e.traceIds ?? []).includes(id)),
      slowTraces: (a.slowTraces ?? []).filter((s) => s.traceId === id),
      recommendations: (a.recommendations ?? []).filter(
        (r) => (r.traceIds ?? []).includes(id) || mine(r.spanIds),
      ),
    };
  }

  async getWindowAnalysis(): Promise<Analysis | null> {
    return this.data.analysis ?? null;
  }

  async getStats(filters: TraceFilters): Promise<Stats | null> {
    if (!filters.since && !filters.until && this.data.stats) {
      const s = normalizeStats(this.data.stats);
      if (s && s.histogram.length > 0) return s;
    }
    const window: TraceFilters = { since: filters.since, until: filters.until };
    return computeStats(this.sorted.map((d) => d.trace).filter((t) => matchesFilters(t, window)));
  }

  async listSessions(): Promise<SessionSummary[]> {
    const sessions = new Map<string, SessionSummary>();
    for (const { trace: t } of this.sorted) {
      if (!t.sessionId) continue;
      let s = sessions.get(t.sessionId);
      if (!s) {
        s = {
          sessionId: t.sessionId,
          traceCount: 0,
          firstSeen: t.startTime,
          lastSeen: t.startTime,
          users: [],
        };
        sessions.set(t.sessionId, s);
      }
      s.traceCount++;
      if (t.startTime < s.firstSeen) s.firstSeen = t.startTime;
      if (t.startTime > s.lastSeen) s.lastSeen = t.startTime;
      if (t.userId && !s.users.includes(t.userId)) s.users.push(t.userId);
    }
    return [...sessions.values()].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1));
  }

  subscribe(_onTrace: unknown, onStatus: (s: LiveStatus) => void): () => void {
    onStatus('off');
    return () => {};
  }
}

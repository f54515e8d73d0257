import type { DataSource, LiveStatus } from './source';
import { filtersToParams } from './source';
import { normalizeStats } from './stats';
import type {
  Analysis,
  SessionSummary,
  Stats,
  TraceDetail,
  TraceFilters,
  TraceList,
  TraceSummary,
} from './types';

/** Relative to the page, so the viewer works wherever the server mounts it. */
function apiUrl(path: string, params?: URLSearchParams): string {
  const u = new URL(path, window.location.href);
  u.hash = '';
  if (params) u.search = params.toString();
  return u.toString();
}

async function getJson(path: string, params?: URLSearchParams): Promise<unknown> {
  const res = await fetch(apiUrl(path, params), { headers: { accept: 'application/json' } });
  if (res.status === 404) return null;
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: string; message?: string };
      message = body.error ?? body.message ?? message;
    } catch {}
    throw new Error(`GET ${path}: ${message}`);
  }
  return res.json();
}

/** `since` and `until` only: the stats and the window analysis cover a time window, not the list filters. */
function timeWindowParams(filters: TraceFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (filters.since) p.set('since', filters.since);
  if (filters.until) p.set('until', filters.until);
  return p;
}

function normalizeSession(raw: unknown): SessionSummary | null {
  if (!raw || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  const sessionId = (o.sessionId ?? o.id ?? o.session) as string | undefined;
  if (typeof sessionId !== 'string') return null;
  const users = (o.users ?? o.userIds ?? (o.userId ? [o.userId] : [])) as unknown;
  return {
    sessionId,
    traceCount: Number(o.traceCount ?? o.traces ?? o.count ?? 0),
    firstSeen: String(o.firstSeen ?? o.firstSeenTime ?? o.start ?? o.startTime ?? ''),
    lastSeen: String(o.lastSeen ?? o.lastSeenTime ?? o.end ?? o.endTime ?? ''),
    users: Array.isArray(users) ? users.map(String) : [],
  };
}

export class HttpSource implements DataSource {
  readonly offline = false;

  async listTraces(filters: TraceFilters, cursor?: string | null, limit = 200): Promise<TraceList> {
    const p = filtersToParams(filters);
    p.set('limit', String(limit));
    if (cursor) p.set('cursor', cursor);
    const body = (await getJson('api/traces', p)) as TraceList | null;
    return { traces: body?.traces ?? [], nextCursor: body?.nextCursor ?? null };
  }

  async getTrace(id: string): Promise<TraceDetail | null> {
    // `debug`, not `detailed`: only it carries span events, where exceptions and their stacks are.
    const body = (await getJson(
      `api/traces/${encodeURIComponent(id)}`,
      new URLSearchParams({ level: 'debug' }),
    )) as TraceDetail | null;
    if (!body) return null;
    return { trace: body.trace, root: body.root ?? null, orphans: body.orphans ?? [] };
  }

  async getAnalysis(id: string): Promise<Analysis | null> {
    try {
      return (await getJson(`api/traces/${encodeURIComponent(id)}/analysis`)) as Analysis | null;
    } catch {
      // The analysis is an aid: the trace page still works without it.
      return null;
    }
  }

  async getWindowAnalysis(filters: TraceFilters): Promise<Analysis | null> {
    return (await getJson('api/analysis', timeWindowParams(filters))) as Analysis | null;
  }

  async getStats(filters: TraceFilters): Promise<Stats | null> {
    try {
      return normalizeStats(await getJson('api/stats', timeWindowParams(filters)));
    } catch {
      return null;
    }
  }

  async listSessions(): Promise<SessionSummary[]> {
    const body = (await getJson('api/sessions')) as unknown;
    const list = Array.isArray(body) ? body : ((body as { sessions?: unknown[] } | null)?.sessions ?? []);
    return list.map(normalizeSession).filter((s): s is SessionSummary => s !== null);
  }

  subscribe(onTrace: (t: TraceSummary) => void, onStatus: (s: LiveStatus) => void): () => void {
    if (typeof EventSource === 'undefined') {
      onStatus('off');
      return () => {};
    }
    onStatus('connecting');
    const es = new EventSource(apiUrl('api/stream'));
    es.onopen = () => onStatus('live');
    // EventSource reconnects by itself (sending Last-Event-ID); the indicator says so meanwhile.
    es.onerror = () => onStatus(es.readyState === EventSource.CLOSED ? 'off' : 'reconnecting');
    es.addEventListener('trace', (ev) => {
      let data: unknown;
      try {
        data = JSON.parse((ev as MessageEvent<string>).data);
      } catch {
        return;
      }
      const o = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
      const summary = (o.trace && typeof o.trace === 'object' ? o.trace : o) as Partial<TraceSummary>;
      if (typeof summary.traceId !== 'string') return;
      if (typeof summary.durationMs === 'number' && typeof summary.name === 'string') {
        onTrace(summary as TraceSummary);
        return;
      }
      // Only the id came: read the summary.
      const id = encodeURIComponent(summary.traceId);
      void getJson(`api/traces/${id}`, new URLSearchParams({ level: 'minimal' }))
        .then((d) => {
          const t = (d as TraceDetail | null)?.trace;
          if (t) onTrace(t);
        })
        .catch(() => {});
    });
    return () => es.close();
  }

  watchTrace(traceId: string, on: { span(): void; end(): void }): () => void {
    if (typeof EventSource === 'undefined') return () => {};
    // The service replays the trace's spans so far, then sends them as they come, then `trace`
    // when the root ends and closes. Closed here too: EventSource would otherwise reconnect.
    const es = new EventSource(apiUrl(`api/traces/${encodeURIComponent(traceId)}/stream`));
    es.addEventListener('span', () => on.span());
    es.addEventListener('trace', () => {
      es.close();
      on.end();
    });
    return () => es.close();
  }
}

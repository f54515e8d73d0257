import { useEffect, useState } from 'preact/hooks';
import { formatMs, formatTime, preview } from '../format';
import { replaceParams, traceHref } from '../router';
import type { DataSource } from '../source';
import type { SessionSummary, TraceSummary } from '../types';

/** Sessions, most recent first; one opens to its traces in the order they happened, with the user. */
export function SessionsPage({ source, params }: { source: DataSource; params: URLSearchParams }) {
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = params.get('session');
  useEffect(() => {
    source
      .listSessions()
      .then(setSessions)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [source]);
  const setOpen = (id: string | null) => {
    const p = new URLSearchParams(params);
    if (id) p.set('session', id);
    else p.delete('session');
    replaceParams(p);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  };
  if (error)
    return (
      <p class="error-box page-pad" role="alert">
        {error}
      </p>
    );
  if (!sessions) return <p class="note page-pad">Loading sessions…</p>;
  return (
    <div class="sessions page-pad">
      <h1>Sessions</h1>
      {sessions.length === 0 && (
        <p class="note">
          No trace carries a session id yet (setTrace({'{'} sessionId {'}'})).
        </p>
      )}
      <ul class="session-list">
        {sessions.map((s) => (
          <li key={s.sessionId} class="session">
            <button
              type="button"
              class="session-head"
              aria-expanded={open === s.sessionId}
              onClick={() => setOpen(open === s.sessionId ? null : s.sessionId)}
            >
              <span class="twisty">{open === s.sessionId ? '▾' : '▸'}</span>
              <strong class="session-id">{s.sessionId}</strong>
              <span class="tr-meta">
                {s.traceCount} trace{s.traceCount === 1 ? '' : 's'}
              </span>
              {s.users.length > 0 && <span class="tr-meta">user {s.users.join(', ')}</span>}
              <span class="tr-time">
                {formatTime(s.firstSeen)} → {formatTime(s.lastSeen)}
              </span>
            </button>
            {open === s.sessionId && <SessionTraces source={source} sessionId={s.sessionId} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function SessionTraces({ source, sessionId }: { source: DataSource; sessionId: string }) {
  const [traces, setTraces] = useState<TraceSummary[] | null>(null);
  useEffect(() => {
    let live = true;
    (async () => {
      const all: TraceSummary[] = [];
      let cursor: string | null | undefined = null;
      // A session is a conversation: read it all (bounded), then show it oldest first.
      for (let page = 0; page < 20; page++) {
        const r = await source.listTraces({ session: sessionId }, cursor, 500);
        all.push(...r.traces);
        cursor = r.nextCursor;
        if (!cursor) break;
      }
      all.sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
      if (live) setTraces(all);
    })().catch(() => live && setTraces([]));
    return () => {
      live = false;
    };
  }, [sessionId]);
  if (!traces) return <p class="note">Loading…</p>;
  return (
    <ol class="session-traces">
      {traces.map((t) => (
        <li key={t.traceId}>
          <a href={traceHref(t.traceId)} class={`session-trace status-${t.status}`}>
            <span class={`status-dot ${t.status}`} role="img" aria-label={t.status} />
            <span class="tr-time">{formatTime(t.startTime)}</span>
            <span class="tr-name">{t.name}</span>
            <span class="tr-dur">{formatMs(t.durationMs)}</span>
            {t.userId && <span class="tr-meta">user {t.userId}</span>}
            <span class="tr-io">
              <span class="io-label">in</span> {preview(t.input, 100) || '—'}
            </span>
            <span class="tr-io">
              <span class="io-label">out</span> {preview(t.output, 100) || '—'}
            </span>
          </a>
        </li>
      ))}
    </ol>
  );
}

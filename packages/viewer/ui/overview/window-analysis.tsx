import { useEffect, useState } from 'preact/hooks';
import { formatMs } from '../format';
import { traceHref } from '../router';
import type { DataSource } from '../source';
import type { Analysis, TraceFilters } from '../types';

/**
 * Why requests are slow or failing, over the time window: the service's analysis. Loaded when
 * opened, since analysing a large window costs the service real work.
 */
export function WindowAnalysis({ source, filters }: { source: DataSource; filters: TraceFilters }) {
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<{ analysis: Analysis | null; error?: string } | null>(null);
  const windowKey = `${filters.since ?? ''}|${filters.until ?? ''}`;
  useEffect(() => setState(null), [windowKey]);
  useEffect(() => {
    if (!open || state) return;
    let live = true;
    source
      .getWindowAnalysis(filters)
      .then((analysis) => live && setState({ analysis }))
      .catch(
        (e: unknown) =>
          live && setState({ analysis: null, error: e instanceof Error ? e.message : String(e) }),
      );
    return () => {
      live = false;
    };
  }, [open, state, windowKey]);
  const a = state?.analysis;
  return (
    <details class="window-analysis" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        Why slow, why failing: analysis of{' '}
        {filters.since || filters.until ? 'this time window' : 'all traces'}
      </summary>
      {!state ? (
        <p class="note">Analysing…</p>
      ) : state.error ? (
        <p class="error-box">{state.error}</p>
      ) : !a ? (
        <p class="note">No analysis available.</p>
      ) : (
        <div data-testid="window-analysis">
          <h4>Recommendations</h4>
          {(a.recommendations ?? []).length === 0 ? (
            <p class="note">None.</p>
          ) : (
            <ul class="recs">
              {(a.recommendations ?? []).slice(0, 8).map((r, i) => (
                <li key={i}>
                  <code class="rule">{r.rule}</code>
                  {typeof r.estimatedSavingMs === 'number' && r.estimatedSavingMs > 0 && (
                    <span class="saving">saves ~{formatMs(r.estimatedSavingMs)}</span>
                  )}
                  <p>{r.message}</p>
                  {r.traceIds?.[0] && <a href={traceHref(r.traceIds[0], r.spanIds?.[0])}>example trace</a>}
                </li>
              ))}
            </ul>
          )}
          {(a.slowTraces ?? []).length > 0 && (
            <>
              <h4>Slowest requests</h4>
              <ul class="plain">
                {(a.slowTraces ?? []).slice(0, 8).map((s) => (
                  <li key={s.traceId}>
                    <a href={traceHref(s.traceId, s.dominantSpan?.spanId)}>
                      {s.name ?? s.traceId.slice(0, 8)} · {formatMs(s.durationMs)}
                    </a>
                    {s.dominantSpan && <span class="tr-meta"> mostly {s.dominantSpan.name}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
          {(a.errors ?? []).length > 0 && (
            <>
              <h4>Errors</h4>
              <ul class="plain">
                {(a.errors ?? []).slice(0, 8).map((e, i) => (
                  <li key={i}>
                    {e.traceIds?.[0] ? (
                      <a href={traceHref(e.traceIds[0], e.spanIds?.[0])}>{e.name}</a>
                    ) : (
                      e.name
                    )}{' '}
                    ×{e.count}
                    <span class="tr-meta"> {e.example ?? e.message}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </details>
  );
}

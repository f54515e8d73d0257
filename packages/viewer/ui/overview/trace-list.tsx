import { useEffect, useRef, useState } from 'preact/hooks';
import { formatCount, formatMs, formatTime, preview, tokensOf } from '../format';
import { traceHref } from '../router';
import type { TraceSummary } from '../types';
import { useVirtualizer } from '../virtual';

interface Props {
  traces: TraceSummary[];
  fresh: Set<string>;
  hasMore: boolean;
  loading: boolean;
  onNeedMore(): void;
}

const ROW = 62;

/** The requests, newest first: virtualized, pages in more as the end comes into view. */
export function TraceList({ traces, fresh, hasMore, loading, onNeedMore }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const v = useVirtualizer({
    count: traces.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 8,
    getItemKey: (i) => traces[i]?.traceId ?? i,
  });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (hasMore && !loading && last && last.index >= traces.length - 15) onNeedMore();
  }, [last?.index, traces.length, hasMore, loading]);

  const activeIdx = Math.min(active, Math.max(0, traces.length - 1));
  const move = (i: number) => {
    const n = Math.max(0, Math.min(traces.length - 1, i));
    setActive(n);
    v.scrollToIndex(n, { align: 'auto' });
  };
  const onKey = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW * 10) / ROW) - 1);
    if (e.key === 'ArrowDown') move(activeIdx + 1);
    else if (e.key === 'ArrowUp') move(activeIdx - 1);
    else if (e.key === 'PageDown') move(activeIdx + page);
    else if (e.key === 'PageUp') move(activeIdx - page);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(traces.length - 1);
    else if (e.key === 'Enter' && traces[activeIdx])
      window.location.hash = traceHref(traces[activeIdx].traceId);
    else return;
    e.preventDefault();
  };

  if (traces.length === 0 && !loading) {
    return (
      <div class="empty" data-testid="trace-list-empty">
        No traces match. Send spans to this service (OTLP/HTTP <code>POST /v1/traces</code>) or loosen the
        filters.
      </div>
    );
  }
  return (
    <div
      ref={scroller}
      class="trace-list"
      role="listbox"
      tabIndex={0}
      aria-label="Traces, newest first"
      aria-activedescendant={traces[activeIdx] ? `tr-${traces[activeIdx].traceId}` : undefined}
      onKeyDown={onKey}
      data-testid="trace-list"
      data-count={traces.length}
    >
      <div style={{ height: `${v.getTotalSize()}px`, position: 'relative' }}>
        {items.map((it) => {
          const t = traces[it.index]!;
          const tokens = tokensOf(t.tokens);
          const who = [t.sessionId && `session ${t.sessionId}`, t.userId && `user ${t.userId}`]
            .filter(Boolean)
            .join(' · ');
          return (
            <a
              key={t.traceId}
              id={`tr-${t.traceId}`}
              role="option"
              aria-selected={it.index === activeIdx}
              tabIndex={-1}
              href={traceHref(t.traceId)}
              class={`trace-row status-${t.status}${fresh.has(t.traceId) ? ' fresh' : ''}${it.index === activeIdx ? ' active' : ''}`}
              style={{ transform: `translateY(${it.start}px)`, height: `${ROW}px` }}
              data-trace-id={t.traceId}
              data-duration={t.durationMs}
            >
              <div class="tr-line1">
                <span class={`status-dot ${t.status}`} role="img" title={t.status} aria-label={t.status} />
                <span class="tr-name">{t.name}</span>
                <span class="tr-dur">{formatMs(t.durationMs)}</span>
                {tokens > 0 && <span class="tr-meta">{formatCount(tokens)} tok</span>}
                {t.model && <span class="tr-meta tr-model">{t.model}</span>}
                {who && <span class="tr-meta tr-who">{who}</span>}
                {(t.errorCount ?? 0) > 0 && (
                  <span class="tr-err">
                    {t.errorCount} failed span{t.errorCount === 1 ? '' : 's'}
                  </span>
                )}
                <span class="tr-time">{formatTime(t.startTime)}</span>
              </div>
              <div class="tr-line2">
                <span class="tr-io tr-in" title="input">
                  <span class="io-label">in</span> {preview(t.input) || '—'}
                </span>
                <span class="tr-io tr-out" title="output">
                  <span class="io-label">out</span> {preview(t.output) || '—'}
                </span>
              </div>
            </a>
          );
        })}
      </div>
      <div class="list-foot">
        {loading ? (
          'Loading…'
        ) : hasMore ? (
          <button type="button" class="btn" onClick={onNeedMore}>
            Load more
          </button>
        ) : (
          `All ${traces.length} matching traces loaded`
        )}
      </div>
    </div>
  );
}

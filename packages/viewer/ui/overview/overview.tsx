import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatCount, formatMs } from '../format';
import { replaceParams } from '../router';
import type { DataSource, LiveStatus } from '../source';
import { filtersToParams, matchesFilters, paramsToFilters } from '../source';
import { computeStats } from '../stats';
import type { Stats, TraceFilters, TraceSummary } from '../types';
import { FilterBar } from './filters';
import { Histogram } from './histogram';
import { TimeChart } from './timechart';
import { TraceList } from './trace-list';
import { WindowAnalysis } from './window-analysis';

interface Props {
  source: DataSource;
  params: URLSearchParams;
  onLive(status: LiveStatus, newCount: number): void;
}

const PAGE = 200;
/**
 * At most this many traces are held (`#/?keep=N` changes it), beyond what the user paged in: on a
 * busy service live arrivals would otherwise grow the list, and the page's memory, forever. The
 * oldest rows go first and come back by paging ("Load more").
 */
const DEFAULT_KEEP = 1000;

/** Seed 000's page: the latency distribution on the left, the requests with their IO on the right. */
export function Overview({ source, params, onLive }: Props) {
  const filters = useMemo(() => paramsToFilters(params), [params.toString()]);
  const key = JSON.stringify(filters);
  const [traces, setTraces] = useState<TraceSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  // After rows were dropped: the next page is the traces that started at or before the last row
  // kept (a bound, not a cursor: the API's cursors are opaque). Rows already listed are skipped.
  const [resumeUntil, setResumeUntil] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [serverStats, setServerStats] = useState<Stats | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(() => new Set());
  const generation = useRef(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const keep = keepParam(params);
  const keepRef = useRef(keep);
  keepRef.current = keep;
  const tracesRef = useRef(traces);
  tracesRef.current = traces;
  // How many rows the user asked for by paging: those are never dropped for live arrivals.
  const paged = useRef(0);
  // Bumped when rows are dropped: a page requested before lands after a tail that is gone.
  const listVersion = useRef(0);

  const setFilters = useCallback((next: TraceFilters) => replaceAndGo(next), []);

  // First page for these filters.
  useEffect(() => {
    const gen = ++generation.current;
    setLoading(true);
    setError(null);
    source
      .listTraces(filters, null, PAGE)
      .then((page) => {
        if (gen !== generation.current) return;
        setTraces(page.traces);
        setCursor(page.nextCursor ?? null);
        setResumeUntil(null);
        paged.current = page.traces.length;
        setLoading(false);
        requestAnimationFrame(() => {
          performance.mark('lazytrace:overview-ready');
          document.body.dataset.overviewReady = 'true';
        });
      })
      .catch((e: unknown) => {
        if (gen !== generation.current) return;
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      });
  }, [key]);

  // The distribution for the time window (the server's, over every stored trace).
  const statsKey = `${filters.since ?? ''}|${filters.until ?? ''}`;
  const [statsTick, setStatsTick] = useState(0);
  useEffect(() => {
    let live = true;
    source.getStats(filters).then((s) => live && setServerStats(s));
    return () => {
      live = false;
    };
  }, [statsKey, statsTick]);

  const loadMore = useCallback(() => {
    if ((!cursor && !resumeUntil) || loading) return;
    const gen = generation.current;
    const version = listVersion.current;
    setLoading(true);
    const f = filtersRef.current;
    const request = cursor
      ? source.listTraces(f, cursor, PAGE)
      : source.listTraces({ ...f, until: earlier(f.until, resumeUntil!) }, null, PAGE);
    request
      .then((page) => {
        if (gen !== generation.current) return;
        setLoading(false);
        if (version !== listVersion.current) return;
        const prev = tracesRef.current;
        const seen = new Set(prev.map((t) => t.traceId));
        const added = page.traces.filter((t) => !seen.has(t.traceId));
        paged.current += added.length;
        setTraces([...prev, ...added]);
        setCursor(page.nextCursor ?? null);
        setResumeUntil(null);
      })
      .catch((e: unknown) => {
        setError(e instanceof Error ? e.message : String(e));
        setLoading(false);
      });
  }, [cursor, resumeUntil, loading]);

  // Live: traces arriving over SSE go on top when they pass the filters. Arrivals are applied in
  // batches (at most 4 renders a second), so a busy service does not re-render the page per trace.
  const newCount = useRef(0);
  useEffect(() => {
    let pending: TraceSummary[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    let statsTimer: ReturnType<typeof setTimeout> | null = null;
    const fadeTimers = new Set<ReturnType<typeof setTimeout>>();
    const flush = () => {
      flushTimer = null;
      const batch = pending.filter((t) => matchesFilters(t, filtersRef.current));
      pending = [];
      onLive('live', newCount.current);
      if (batch.length === 0) return;
      const ids = new Set(batch.map((t) => t.traceId));
      // Newest first; a trace sent again (late spans) replaces its row.
      const fresh = [...new Map(batch.reverse().map((t) => [t.traceId, t])).values()];
      const next = [...fresh, ...tracesRef.current.filter((p) => !ids.has(p.traceId))];
      const limit = Math.max(keepRef.current, paged.current);
      if (next.length > limit) {
        // The oldest rows go; paging brings them back (from the last row kept, duplicates skipped).
        // Live rows are in arrival order, not start order: the bound is the latest start dropped.
        const dropped = next.splice(limit);
        listVersion.current++;
        let bound = Math.max(...dropped.map((t) => Date.parse(t.startTime)).filter(Number.isFinite));
        if (!Number.isFinite(bound)) bound = Date.now();
        const until = new Date(bound + 1).toISOString();
        setCursor(null);
        setResumeUntil((prev) => (prev !== null && Date.parse(prev) > bound ? prev : until));
      }
      tracesRef.current = next;
      setTraces(next);
      setFresh((prev) => new Set([...prev, ...ids]));
      const fade = setTimeout(() => {
        fadeTimers.delete(fade);
        setFresh((prev) => new Set([...prev].filter((id) => !ids.has(id))));
      }, 4000);
      fadeTimers.add(fade);
    };
    const unsubscribe = source.subscribe(
      (t) => {
        newCount.current++;
        pending.push(t);
        flushTimer ??= setTimeout(flush, 250);
        statsTimer ??= setTimeout(() => {
          statsTimer = null;
          setStatsTick((n) => n + 1);
        }, 2000);
      },
      (s) => onLive(s, newCount.current),
    );
    return () => {
      unsubscribe();
      for (const t of [flushTimer, statsTimer, ...fadeTimers]) if (t) clearTimeout(t);
    };
  }, [source]);

  // Prefer the server's distribution; without histogram buckets, compute one from the loaded list.
  const localStats = useMemo(() => computeStats(traces), [traces]);
  const stats = serverStats && serverStats.histogram.length > 0 && serverStats.count > 0 ? serverStats : null;
  const shown = stats ?? localStats;
  const listStats = filtersActive(filters) ? localStats : null;

  return (
    <div class="overview">
      <FilterBar filters={filters} onChange={setFilters} />
      <div class="overview-body">
        <section class="dist" aria-label="Latency">
          <div class="tiles">
            <Tile label="Requests" value={formatCount(shown.count)} />
            <Tile
              label="Errors"
              value={`${(shown.errorRate * 100).toFixed(shown.errorRate < 0.1 ? 1 : 0)}%`}
              bad={shown.errorRate > 0}
            />
            <Tile label="p50" value={formatMs(shown.p50)} />
            <Tile label="p90" value={formatMs(shown.p90)} />
            <Tile label="p99" value={formatMs(shown.p99)} />
          </div>
          {!stats && traces.length > 0 && (
            <p class="note">Distribution of the {formatCount(traces.length)} loaded traces.</p>
          )}
          {shown.histogram.length > 0 ? (
            <Histogram
              stats={shown}
              range={[filters.minDurationMs, filters.maxDurationMs]}
              onBrush={([a, b]) =>
                setFilters({ ...filtersRef.current, minDurationMs: round(a), maxDurationMs: round(b) })
              }
            />
          ) : (
            !loading && <p class="note">No durations yet.</p>
          )}
          {traces.length > 0 && (
            <TimeChart
              traces={traces}
              onBrush={([a, b]) =>
                setFilters({ ...filtersRef.current, since: a.toISOString(), until: b.toISOString() })
              }
            />
          )}
          <WindowAnalysis source={source} filters={filters} />
          {listStats && traces.length > 0 && (
            <p class="note" data-testid="list-stats">
              In the list: {formatCount(traces.length)}
              {cursor || resumeUntil ? '+' : ''} traces, p50 {formatMs(listStats.p50)}, p99{' '}
              {formatMs(listStats.p99)}
            </p>
          )}
        </section>
        <section class="requests" aria-label="Requests">
          {error && (
            <div class="error-box" role="alert">
              {error}
            </div>
          )}
          <TraceList
            traces={traces}
            fresh={fresh}
            hasMore={!!cursor || !!resumeUntil}
            loading={loading}
            onNeedMore={loadMore}
          />
        </section>
      </div>
    </div>
  );
}

/** `#/?keep=N`: how many traces the list holds at most (beyond what was paged in). */
function keepParam(params: URLSearchParams): number {
  const n = Number(params.get('keep'));
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_KEEP;
}

/** The earlier of two ISO times (the user's `until` filter, if any, still applies). */
function earlier(a: string | undefined, b: string): string {
  if (a === undefined || a === '') return b;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function round(v: number): number {
  return v >= 10 ? Math.round(v) : Math.round(v * 100) / 100;
}

function filtersActive(f: TraceFilters): boolean {
  return Object.values(f).some((v) => v !== undefined && v !== '');
}

function replaceAndGo(next: TraceFilters) {
  replaceParams(filtersToParams(next));
  // replaceState does not fire hashchange: tell the router.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function Tile({ label, value, bad }: { label: string; value: string; bad?: boolean }) {
  return (
    <div class={`tile${bad ? ' bad' : ''}`}>
      <div class="tile-label">{label}</div>
      <div class="tile-value" data-testid={`tile-${label.toLowerCase()}`}>
        {value}
      </div>
    </div>
  );
}

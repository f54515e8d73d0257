import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatCount, formatMs, formatTime, tokensOf } from '../format';
import type { DataSource } from '../source';
import type { Analysis, TraceDetail } from '../types';
import { AnalysisPanel } from './analysis-panel';
import { SpanDetail } from './span-detail';
import { buildModel, criticalPath, searchText, visibleRows } from './tree-model';
import { Waterfall } from './waterfall';

interface Props {
  source: DataSource;
  traceId: string;
  params: URLSearchParams;
}

type Loaded = { detail: TraceDetail } | { missing: true } | { error: string };

/** One trace: tree + waterfall on one time axis, the selected span's detail, the analysis. */
export function TracePage({ source, traceId, params }: Props) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [analysis, setAnalysis] = useState<Analysis | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    setLoaded(null);
    setAnalysis(undefined);
    // The tree shows as soon as it arrives; the analysis (heavier for a big trace) joins it later.
    source
      .getTrace(traceId)
      .then((detail) => live && setLoaded(detail ? { detail } : { missing: true }))
      .catch((e: unknown) => live && setLoaded({ error: e instanceof Error ? e.message : String(e) }));
    source
      .getAnalysis(traceId)
      .then((a) => live && setAnalysis(a))
      .catch(() => live && setAnalysis(null));
    return () => {
      live = false;
    };
  }, [traceId]);

  // A trace still in progress (its root span has not ended, or nothing of it arrived yet) follows
  // the service: its spans are re-read as they arrive (at most a few times a second), and the
  // analysis once the root has ended.
  const inProgress =
    loaded !== null && ('missing' in loaded || ('detail' in loaded && !rootEnded(loaded.detail)));
  useEffect(() => {
    if (!inProgress || source.watchTrace === undefined) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      timer = null;
      source
        .getTrace(traceId)
        .then((detail) => live && detail && setLoaded({ detail }))
        .catch(() => {});
    };
    const stop = source.watchTrace(traceId, {
      span: () => {
        timer ??= setTimeout(refresh, 250);
      },
      end: () => {
        if (timer) clearTimeout(timer);
        refresh();
        source
          .getAnalysis(traceId)
          .then((a) => live && setAnalysis(a))
          .catch(() => {});
      },
    });
    return () => {
      live = false;
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [traceId, inProgress]);

  if (!loaded) return <p class="note page-pad">Loading trace {traceId}…</p>;
  if ('missing' in loaded)
    return (
      <div class="page-pad">
        <p class="error-box" role="alert">
          Trace <code>{traceId}</code> was not found.
        </p>
        <a href="#/">Back to the overview</a>
      </div>
    );
  if ('error' in loaded)
    return (
      <p class="error-box page-pad" role="alert">
        {loaded.error}
      </p>
    );
  return (
    <TraceView
      detail={loaded.detail}
      analysis={analysis}
      initialSpan={params.get('span')}
      inProgress={inProgress}
    />
  );
}

/** The root span (no parent) has arrived: spans are exported as they end, the root last. */
function rootEnded(detail: TraceDetail): boolean {
  return detail.root !== null && !detail.root.parentSpanId;
}

function TraceView({
  detail,
  analysis,
  initialSpan,
  inProgress,
}: {
  detail: TraceDetail;
  /** Its root has not ended yet: the page follows it. */
  inProgress: boolean;
  /** undefined while loading, null when there is none. */
  analysis: Analysis | null | undefined;
  initialSpan: string | null;
}) {
  const model = useMemo(() => buildModel(detail), [detail]);
  const critical = useMemo(() => {
    const fromServer = analysis?.criticalPath?.filter((id) => model.byId.has(id)) ?? [];
    return fromServer.length > 0 ? new Set(fromServer) : criticalPath(model);
  }, [model, analysis]);
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const rows = useMemo(() => visibleRows(model, collapsed), [model, collapsed]);
  const [selected, setSelected] = useState<number>(() => {
    const i = initialSpan ? model.byId.get(initialSpan) : undefined;
    return i ?? 0;
  });
  // A refreshed trace (in progress) rebuilds the model: the selection stays on the same span.
  const shownModel = useRef(model);
  useLayoutEffect(() => {
    const before = shownModel.current;
    shownModel.current = model;
    if (before === model) return;
    const id = before.spans[selected]?.node.spanId;
    const now = id === undefined ? undefined : model.byId.get(id);
    if (now !== undefined && now !== selected) setSelected(now);
  }, [model]);
  const [tab, setTab] = useState<'span' | 'analysis'>('span');
  const [query, setQuery] = useState('');
  const [matchPos, setMatchPos] = useState(0);
  const cache = useRef(new Map<number, string>());
  const detailRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    requestAnimationFrame(() => {
      performance.mark('lazytrace:trace-ready');
      document.body.dataset.traceReady = 'true';
    });
  }, []);

  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [] as number[];
    const out: number[] = [];
    for (let i = 0; i < model.spans.length; i++)
      if (searchText(cache.current, model, i).includes(q)) out.push(i);
    return out;
  }, [query, model]);
  const matchSet = useMemo(() => new Set(matches), [matches]);

  /** Select a span, expanding its ancestors so it is visible. */
  const reveal = (i: number) => {
    const ancestors: string[] = [];
    for (let p = model.spans[i]?.parent ?? -1; p >= 0; p = model.spans[p]!.parent)
      ancestors.push(model.spans[p]!.node.spanId);
    if (ancestors.some((a) => collapsed.has(a))) {
      const next = new Set(collapsed);
      for (const a of ancestors) next.delete(a);
      setCollapsed(next);
    }
    setSelected(i);
    setTab('span');
  };
  const toggle = (i: number, open?: boolean) => {
    const id = model.spans[i]!.node.spanId;
    const isCollapsed = collapsed.has(id);
    if (open === true && !isCollapsed) return;
    if (open === false && isCollapsed) return;
    const next = new Set(collapsed);
    if (isCollapsed) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };
  const setAll = (open: boolean) => {
    if (open) setCollapsed(new Set());
    else {
      const next = new Set<string>();
      model.spans.forEach((s, i) => {
        if (s.end > i + 1 && s.depth >= 1) next.add(s.node.spanId);
      });
      setCollapsed(next);
    }
  };
  const jump = (dir: 1 | -1) => {
    if (matches.length === 0) return;
    const pos = (matchPos + dir + matches.length) % matches.length;
    setMatchPos(pos);
    reveal(matches[pos]!);
  };

  const t = detail.trace;
  const sel = model.spans[selected] ?? model.spans[0];
  const errorSpans = model.spans.filter((s) => s.node.status === 'error');
  const recCount = analysis?.recommendations?.length ?? 0;
  const bnCount = analysis?.bottlenecks?.length ?? 0;

  return (
    <div class="trace-page">
      <header class="trace-head">
        <a href="#/" class="back">
          ← Traces
        </a>
        <h1>
          <span class={`status-dot ${t.status}`} role="img" aria-label={t.status} /> {t.name}
          {inProgress && (
            <span class="in-progress" data-testid="trace-in-progress" title="spans are shown as they arrive">
              in progress
            </span>
          )}
        </h1>
        <dl class="trace-facts">
          <div>
            <dt>duration</dt>
            <dd>{formatMs(t.durationMs)}</dd>
          </div>
          <div>
            <dt>spans</dt>
            <dd data-testid="trace-span-count">{formatCount(model.spans.length)}</dd>
          </div>
          {tokensOf(t.tokens) > 0 && (
            <div>
              <dt>tokens</dt>
              <dd>
                {formatCount(tokensOf(t.tokens))}
                {t.tokens?.input !== undefined &&
                  ` (${formatCount(t.tokens.input)} in / ${formatCount(t.tokens.output ?? 0)} out)`}
              </dd>
            </div>
          )}
          {t.model && (
            <div>
              <dt>model</dt>
              <dd>{t.model}</dd>
            </div>
          )}
          {t.sessionId && (
            <div>
              <dt>session</dt>
              <dd>
                <a href={`#/sessions?session=${encodeURIComponent(t.sessionId)}`}>{t.sessionId}</a>
              </dd>
            </div>
          )}
          {t.userId && (
            <div>
              <dt>user</dt>
              <dd>{t.userId}</dd>
            </div>
          )}
          <div>
            <dt>started</dt>
            <dd>{formatTime(t.startTime)}</dd>
          </div>
          {(t.tags ?? []).length > 0 && (
            <div>
              <dt>tags</dt>
              <dd>
                {(t.tags ?? []).map((tag) => (
                  <span key={tag} class="tag">
                    {tag}
                  </span>
                ))}
              </dd>
            </div>
          )}
        </dl>
        {errorSpans.length > 0 && (
          <p class="error-box trace-errors" role="alert" data-testid="trace-errors">
            {errorSpans.length} span{errorSpans.length === 1 ? '' : 's'} failed:{' '}
            {errorSpans.slice(0, 3).map((s) => (
              <button
                key={s.node.spanId}
                type="button"
                class="link"
                onClick={() => reveal(model.byId.get(s.node.spanId)!)}
              >
                {s.node.name}
                {s.node.statusMessage ? ` (${s.node.statusMessage})` : ''}
              </button>
            ))}
            {errorSpans.length > 3 ? ' …' : ''}
          </p>
        )}
      </header>
      <div class="trace-toolbar">
        <label class="field search">
          <span class="sr-only">Search in this trace</span>
          <input
            type="search"
            placeholder="Search spans: name, input, output, attributes"
            title="Enter: next match, Shift+Enter: previous"
            value={query}
            data-testid="trace-search"
            onInput={(e) => {
              setQuery((e.target as HTMLInputElement).value);
              setMatchPos(-1);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                jump(e.shiftKey ? -1 : 1);
              }
            }}
          />
        </label>
        {query && (
          <span class="match-count" aria-live="polite" data-testid="match-count">
            {matches.length === 0 ? 'no match' : `${matchPos >= 0 ? matchPos + 1 : 0} / ${matches.length}`}
          </span>
        )}
        <button type="button" class="btn" onClick={() => setAll(true)}>
          Expand all
        </button>
        <button type="button" class="btn" onClick={() => setAll(false)}>
          Collapse all
        </button>
        <span class="legend">
          <span class="lg lg-critical">critical path</span>
          <span class="lg lg-error">error</span>
          <span class="kbd-help">↑↓ move · ←→ fold · Enter detail</span>
        </span>
      </div>
      <div class="trace-body">
        <Waterfall
          model={model}
          rows={rows}
          selected={selected}
          collapsed={collapsed}
          critical={critical}
          matches={matchSet}
          onSelect={(i) => setSelected(i)}
          onToggle={toggle}
          onOpen={() => {
            setTab('span');
            detailRef.current?.focus();
          }}
        />
        <aside class="side" aria-label="Details">
          <div class="tabs" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'span'}
              class="tab"
              onClick={() => setTab('span')}
            >
              Span
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'analysis'}
              class="tab"
              onClick={() => setTab('analysis')}
              data-testid="analysis-tab"
            >
              Analysis
              {analysis === undefined
                ? ' (…)'
                : analysis
                  ? ` (${recCount} rec · ${bnCount} bottlenecks)`
                  : ''}
            </button>
          </div>
          <div class="side-body" tabIndex={-1} ref={detailRef} role="tabpanel">
            {tab === 'span' && sel ? (
              <SpanDetail span={sel} model={model} critical={critical.has(sel.node.spanId)} />
            ) : (
              <AnalysisPanel
                analysis={analysis ?? null}
                loading={analysis === undefined}
                model={model}
                onSelect={(id) => reveal(model.byId.get(id) ?? 0)}
              />
            )}
          </div>
        </aside>
      </div>
    </div>
  );
}

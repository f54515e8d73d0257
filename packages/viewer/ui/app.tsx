import { useMemo, useState } from 'preact/hooks';
import { Overview } from './overview/overview';
import { useRoute } from './router';
import { SessionsPage } from './sessions/sessions-page';
import type { DataSource, LiveStatus } from './source';
import { TracePage } from './trace/trace-page';

const LIVE_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  off: 'Not live',
};

export function App({ source, title }: { source: DataSource; title?: string }) {
  const route = useRoute();
  const [live, setLive] = useState<{ status: LiveStatus; count: number }>({
    status: source.offline ? 'off' : 'connecting',
    count: 0,
  });
  const onLive = useMemo(() => (status: LiveStatus, count: number) => setLive({ status, count }), []);
  return (
    <div class="app">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          lazytrace
        </a>
        <nav aria-label="Pages">
          <a href="#/" aria-current={route.page === 'overview' ? 'page' : undefined}>
            Traces
          </a>
          <a href="#/sessions" aria-current={route.page === 'sessions' ? 'page' : undefined}>
            Sessions
          </a>
        </nav>
        <span class="spacer" />
        {source.offline ? (
          <span class="live off" data-testid="live-indicator">
            Offline report{title ? ` · ${title}` : ''}
          </span>
        ) : (
          <span
            class={`live ${live.status}`}
            data-testid="live-indicator"
            data-status={live.status}
            aria-live="polite"
          >
            <span class="live-dot" aria-hidden="true" />
            {LIVE_TEXT[live.status]}
            {live.count > 0 && <span class="live-count"> · {live.count} new</span>}
          </span>
        )}
      </header>
      <main id="main">
        {route.page === 'trace' ? (
          <TracePage key={route.traceId} source={source} traceId={route.traceId} params={route.params} />
        ) : route.page === 'sessions' ? (
          <SessionsPage source={source} params={route.params} />
        ) : (
          <Overview source={source} params={route.params} onLive={onLive} />
        )}
      </main>
    </div>
  );
}

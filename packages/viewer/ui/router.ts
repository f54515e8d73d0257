import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes, so the same app works from the server and from a file:// report:
 * `#/` (overview; filters as query), `#/trace/ID?span=SPAN`, `#/sessions?session=ID`.
 */
export type Route =
  | { page: 'overview'; params: URLSearchParams }
  | { page: 'trace'; traceId: string; params: URLSearchParams }
  | { page: 'sessions'; params: URLSearchParams };

function parseHash(hash: string): Route {
  const h = hash.replace(/^#/, '') || '/';
  const q = h.indexOf('?');
  const path = q >= 0 ? h.slice(0, q) : h;
  const params = new URLSearchParams(q >= 0 ? h.slice(q + 1) : '');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'trace' && parts[1])
    return { page: 'trace', traceId: decodeURIComponent(parts[1]), params };
  if (parts[0] === 'sessions') return { page: 'sessions', params };
  return { page: 'overview', params };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function traceHref(traceId: string, spanId?: string): string {
  return `#/trace/${encodeURIComponent(traceId)}${spanId ? `?span=${encodeURIComponent(spanId)}` : ''}`;
}

/** Replace the query of the current route without adding a history entry per keystroke. */
export function replaceParams(params: URLSearchParams): void {
  const h = window.location.hash.replace(/^#/, '') || '/';
  const path = h.split('?')[0];
  const qs = params.toString();
  const next = `#${path}${qs ? `?${qs}` : ''}`;
  if (next !== window.location.hash) window.history.replaceState(null, '', next);
}

import { type RunningServer, type ServerOptions, startServer } from '../server.js';

/** A service on 127.0.0.1 with an in-memory store and no default file, unless told otherwise. */
export async function testServer(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, db: ':memory:', files: [], log: null, ...options });
}

export async function postJson(server: RunningServer, body: unknown, path = '/v1/traces'): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function getJson<T = unknown>(
  server: RunningServer,
  path: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls until `check` returns a value (not undefined), at most `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * A minimal SSE reader over fetch: collects events until closed or aborted. Parsing follows the
 * EventSource rules we rely on (event, data, id lines; blank line ends an event; comments skipped).
 */
export function readSse(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const events: SseEvent[] = [];
  let ended = false;
  let connected: () => void = () => {};
  // Resolves when the response headers arrived: the service subscribed the stream before sending them.
  const ready = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  const done = (async () => {
    try {
      const response = await fetch(url, { headers, signal: controller.signal });
      connected();
      if (response.body === null) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            const field = colon === -1 ? line : line.slice(0, colon);
            const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event.event = value;
            else if (field === 'data') data.push(value);
            else if (field === 'id') event.id = value;
            else continue;
            any = true;
          }
          if (any && data.length > 0) {
            event.data = data.join('\n');
            events.push(event);
            notify();
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      connected();
      notify();
    }
  })();
  return {
    events,
    ready,
    get ended() {
      return ended;
    },
    /** Resolves when `count` events of the given type arrived (or the stream ended). */
    async waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs = 10_000): Promise<SseEvent[]> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (ended) throw new Error(`stream ended with ${events.length} events`);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`timed out with ${events.length} events: ${events.map((e) => e.event).join(',')}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          const w = () => {
            clearTimeout(timer);
            waiters.delete(w);
            resolve();
          };
          waiters.add(w);
        });
      }
      return events;
    },
    close() {
      controller.abort();
      return done;
    },
    done,
  };
}

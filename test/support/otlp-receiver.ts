import { MockOtlpServer, normalizeTrace } from '@elastic/mockotlpserver';

/** A span as the third-party receiver decoded it (ids in hex, attributes as an object). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  status?: { code?: string; message?: string };
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: { name?: string; version?: string };
}

interface NormalizedRequest {
  resourceSpans?: {
    resource?: { attributes?: Record<string, unknown> };
    scopeSpans?: {
      scope?: { name?: string; version?: string };
      spans?: Omit<ReceivedSpan, 'resource' | 'scope'>[];
    }[];
  }[];
}

/** Elastic's mock OTLP server (from npm) on 127.0.0.1, a free port; collects decoded spans. */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const silent = {
    trace() {},
    debug() {},
    info() {},
    warn() {},
    error() {},
    fatal() {},
    child() {
      return silent;
    },
  };
  const server = new MockOtlpServer({
    services: ['http'],
    httpHostname: '127.0.0.1',
    httpPort: 0,
    log: silent,
    onTrace: (request) => {
      const normalized = normalizeTrace(request) as NormalizedRequest;
      for (const rs of normalized.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) {
          for (const span of ss.spans ?? []) {
            spans.push({ ...span, resource: rs.resource?.attributes ?? {}, scope: ss.scope ?? {} });
          }
        }
      }
    },
  });
  await server.start();
  const url = String(server.httpUrl).replace(/\/$/, '');
  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    spans,
    /** Waits (bounded) until at least `count` spans arrived. */
    async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedSpan[]> {
      const deadline = Date.now() + timeoutMs;
      while (spans.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return spans;
    },
    close: () => server.close(),
  };
}

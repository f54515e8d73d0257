import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTracing, shutdownTracing } from '@lazytrace/config';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../examples/http-server/app.js';
import { get } from '../support/http.js';

/** The example server with lazytrace recording into memory, on a free port of 127.0.0.1. */
async function startTracedApp() {
  const exporter = new InMemorySpanExporter();
  initTracing({ backends: [{ name: 'memory', exporter, processing: 'simple' }], flushOnExit: false });
  const server = createApp().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  // The TCP connections the server accepted: the tests below hold only if requests share them.
  let connections = 0;
  server.on('connection', () => connections++);
  const stop = async () => {
    await new Promise((r) => server.close(r));
    await shutdownTracing();
  };
  return { exporter, port, stop, connections: () => connections };
}

describe('http server example under concurrency', () => {
  it('1,000 concurrent requests (keep-alive connections reused): every span carries its own request values', async () => {
    const { exporter, port, stop, connections } = await startTracedApp();
    // A small pool of keep-alive sockets: many requests share a connection, the case where a
    // context set per request could leak into the next request on the same socket.
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    try {
      const n = 1000;
      const bodies = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          get(port, `/?q=question-${i}`, { 'x-session-id': `session-${i}`, 'x-user-id': `user-${i}` }, agent),
        ),
      );
      bodies.forEach((body, i) => {
        expect(JSON.parse(body).answer).toBe(`question-${i} → faq:question-${i} | docs:question-${i}`);
      });
      const spans = exporter.getFinishedSpans();
      expect(spans).toHaveLength(n * 6);
      const byTrace = new Map<string, typeof spans>();
      for (const s of spans)
        byTrace.set(s.spanContext().traceId, [...(byTrace.get(s.spanContext().traceId) ?? []), s]);
      expect(byTrace.size).toBe(n);
      expect(connections()).toBeLessThanOrEqual(50);
      for (const group of byTrace.values()) {
        const root = group.find((s) => s.name === 'answer-question')!;
        const i = JSON.parse(root.attributes['lazytrace.input'] as string).replace('question-', '');
        for (const span of group) {
          expect(span.attributes['session.id']).toBe(`session-${i}`);
          expect(span.attributes['user.id']).toBe(`user-${i}`);
          expect(span.attributes['lazytrace.tags']).toEqual(['http']);
        }
      }
    } finally {
      agent.destroy();
      await stop();
    }
  });

  it('a request without headers does not inherit a previous request’s session on the same connection', async () => {
    const { exporter, port, stop, connections } = await startTracedApp();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await get(port, '/?q=first', { 'x-session-id': 'first-session' }, agent);
      await get(port, '/?q=second', {}, agent);
      expect(connections()).toBe(1);
      const second = exporter
        .getFinishedSpans()
        .filter((s) => s.attributes['lazytrace.input'] === '"second"');
      expect(second.length).toBeGreaterThan(0);
      for (const span of second) expect(span.attributes['session.id']).toBeUndefined();
    } finally {
      agent.destroy();
      await stop();
    }
  });
});

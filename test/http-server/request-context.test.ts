import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTrace, withTrace } from '@lazytrace/config';
import { fn, getTraceId, parallel, pipeline } from '@lazytrace/core';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../support/otel.js';
import { rawRequests } from './raw-connection.js';

// Issue 9, items 1 and 2, over real sockets on 127.0.0.1: keep-alive, pipelined requests (several
// in one TCP write) and a stream consumed after withTrace returned.

let exporter: InMemorySpanExporter;
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
afterAll(() => uninstallTestTracing());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Awaits and a timer inside, so children start after the handler's first tick. */
const answer = pipeline(
  {
    classify: fn(async (q: string) => {
      await pause(2);
      return q;
    }),
    lookup: parallel({
      faq: fn(async (q: string) => new Promise((r) => setTimeout(() => r(`faq:${q}`), 1)), {
        kind: 'retriever',
      }),
      docs: fn(async (q: string) => `docs:${q}`, { kind: 'retriever' }),
    }),
    // The trace id as a handler would put it in an x-trace-id header.
    answer: (found: { faq: string; docs: string }, ctx) => `${found.faq}|${found.docs}|${ctx.traceId}`,
  },
  { name: 'answer' },
);

const token = fn(async (i: number) => `tok${i}.`, { name: 'token', kind: 'llm' });
const generate = pipeline(
  {
    generate: fn(
      async function* generate(q: string) {
        for (let i = 0; i < 3; i++) {
          await pause(1);
          yield await token.invoke(i);
        }
        yield q;
      },
      { kind: 'llm' },
    ),
  },
  { name: 'stream-app' },
);

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const q = url.searchParams.get('q') ?? '';
  // The README's way: setTrace in the handler, only when the request says who it is.
  if (req.headers['x-session-id'] !== undefined || req.headers['x-tag'] !== undefined) {
    setTrace({
      sessionId: header(req, 'x-session-id'),
      userId: header(req, 'x-user-id'),
      tags: header(req, 'x-tag') === undefined ? [] : [header(req, 'x-tag')!],
    });
  }
  if (url.pathname === '/stream') {
    // The stream is consumed after withTrace returned, while other requests run on the socket.
    const stream = (await withTrace({ captureContent: false, sessionId: `stream-${q}` }, () =>
      generate.invoke(q),
    )) as AsyncIterable<string>;
    let body = '';
    for await (const chunk of stream) body += chunk;
    res.end(JSON.stringify({ q, body, done: true }));
    return;
  }
  const out = await answer.invoke(q);
  // Outside any call there is no active trace (no HTTP server span in this test).
  res.end(JSON.stringify({ q, out, outside: getTraceId() ?? null, done: true }));
}

async function startServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => void handle(req, res));
  // Bounded: no connection outlives the test.
  server.keepAliveTimeout = 2_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

const request = (path: string, headers: Record<string, string> = {}) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

/** The spans of the request whose root got `q`. */
function spansOf(q: string): ReadableSpan[] {
  const spans = exporter.getFinishedSpans();
  const root = spans.find(
    (s) => s.attributes['lazytrace.root'] === true && s.attributes['lazytrace.input'] === `"${q}"`,
  );
  if (root === undefined) throw new Error(`no root for ${q}`);
  return spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
}

function expectContext(q: string, expected: { session?: string; user?: string; tags?: string[] }) {
  const spans = spansOf(q);
  expect(spans.length).toBe(6);
  for (const span of spans) {
    expect([q, span.name, span.attributes['session.id']]).toEqual([q, span.name, expected.session]);
    expect([q, span.name, span.attributes['user.id']]).toEqual([q, span.name, expected.user]);
    expect([q, span.name, span.attributes['lazytrace.tags']]).toEqual([q, span.name, expected.tags]);
  }
}

const MIXED = [
  request('/?q=one', { 'x-session-id': 's1', 'x-user-id': 'u1', 'x-tag': 'a' }),
  request('/?q=two'), // never calls setTrace
  request('/?q=three', { 'x-tag': 'c' }), // calls setTrace with a tag only
  request('/?q=four'),
];

describe('request context over real sockets (item 1)', () => {
  for (const pipelined of [false, true]) {
    it(`${pipelined ? 'pipelined in one TCP write' : 'keep-alive, one after another'}: each request sees only its own values, on every span`, async () => {
      const { server, port } = await startServer();
      try {
        const bodies = (await rawRequests(port, MIXED, pipelined)) as {
          q: string;
          out: string;
          outside: null;
        }[];
        expect(bodies.map((b) => b.q)).toEqual(['one', 'two', 'three', 'four']);
        expectContext('one', { session: 's1', user: 'u1', tags: ['a'] });
        expectContext('two', {});
        expectContext('three', { tags: ['c'] });
        expectContext('four', {});
        // ctx.traceId after the awaits names the request's own trace.
        for (const body of bodies) {
          expect(body.out.split('|')[2]).toBe(spansOf(body.q)[0]!.spanContext().traceId);
          expect(body.outside).toBeNull();
        }
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  }
});

describe('a stream consumed after withTrace returned, over HTTP (item 2)', () => {
  it('pulls keep the stream’s request context: no content, its session; the next request on the socket is clean', async () => {
    const { server, port } = await startServer();
    try {
      const bodies = (await rawRequests(
        port,
        [
          request('/stream?q=s1', { 'x-session-id': 'outer', 'x-user-id': 'u-outer', 'x-tag': 'x' }),
          request('/?q=after'),
          request('/stream?q=s2'),
        ],
        true,
      )) as { q: string; body?: string }[];
      expect(bodies.find((b) => b.q === 's1')!.body).toBe('tok0.tok1.tok2.s1');
      const spans = exporter.getFinishedSpans();
      const streamSpans = spans.filter((s) => ['token', 'generate', 'stream-app'].includes(s.name));
      expect(streamSpans).toHaveLength(10);
      for (const span of streamSpans) {
        expect(span.attributes['lazytrace.input']).toBeUndefined();
        expect(span.attributes['lazytrace.output']).toBeUndefined();
      }
      const s1 = streamSpans.filter((s) => s.attributes['session.id'] === 'stream-s1');
      const s2 = streamSpans.filter((s) => s.attributes['session.id'] === 'stream-s2');
      expect([s1.length, s2.length]).toEqual([5, 5]);
      for (const span of s1) {
        expect(span.attributes['user.id']).toBe('u-outer');
        expect(span.attributes['lazytrace.tags']).toEqual(['x']);
      }
      for (const span of s2) {
        expect(span.attributes['user.id']).toBeUndefined();
        expect(span.attributes['lazytrace.tags']).toBeUndefined();
      }
      expectContext('after', {});
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

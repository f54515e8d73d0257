import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import {
  type CallContext,
  fn,
  type Hook,
  type Invocation,
  parallel,
  pipeline,
  registerHookProvider,
  retry,
  setTrace,
  timeout,
  withTrace,
} from '@lazytrace/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { get } from '../support/http.js';
import { parentId, spanId, traceId } from '../support/otel.js';
import { exporter, useTestTracing } from './support.js';

// An application as it runs: node:http on 127.0.0.1 with keep-alive, requests in flight together,
// setTrace from headers (some requests without), a retried flaky step, a timeout, a streamed
// answer consumed after withTrace returned, and a user hook registered while requests are in
// flight. Every span must carry its own request's values and sit under its own request's root.

useTestTracing();

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Attempts per request: even-numbered requests fail their first attempt (one retry). */
const attempts = new Map<string, number>();
const lookup = retry(
  fn(
    async (q: string) => {
      await pause(1);
      const n = (attempts.get(q) ?? 0) + 1;
      attempts.set(q, n);
      if (n === 1 && Number(q.slice(1)) % 2 === 0) throw new Error(`transient for ${q}`);
      return `doc:${q}`;
    },
    { name: 'lookup', kind: 'retriever' },
  ),
  { attempts: 3, backoff: 1 },
);

const answer = pipeline(
  {
    context: parallel({
      docs: lookup,
      // ctx.input is the request's q in every flow.
      echo: fn((_: string, ctx: CallContext<string>) => ctx.input, { name: 'echo' }),
    }),
    draft: timeout(
      fn(
        async function* draft(found: { docs: string; echo: string }) {
          for (const part of [found.docs, '|', found.echo]) {
            await pause(0);
            yield part;
          }
        },
        { name: 'draft', kind: 'llm' },
      ),
      5_000,
    ),
  },
  { name: 'answer' },
);

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
  const session = req.headers['x-session-id'];
  if (typeof session === 'string') setTrace({ sessionId: session, tags: [`t-${q}`] });
  await pause(Number(q.slice(1)) % 3);
  // The stream is read after withTrace returned (and after another await).
  const stream = (await withTrace({ userId: `u-${q}` }, () => answer.invoke(q))) as AsyncIterable<string>;
  await pause(1);
  let body = '';
  for await (const part of stream) body += part;
  res.end(body);
}

async function start(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 2_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function rootOf(spans: readonly ReadableSpan[], q: string): ReadableSpan {
  const roots = spans.filter(
    (s) => s.name === 'answer' && s.attributes['lazytrace.input'] === JSON.stringify(q),
  );
  expect(roots, q).toHaveLength(1);
  return roots[0]!;
}

describe('a keep-alive HTTP application with concurrent requests', () => {
  it('every span carries its own request’s session, user and tags, under its own root; a hook added mid-run runs on later calls', async () => {
    const { server, port } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const hooked: string[] = [];
    class Seen implements Hook {
      constructor(private readonly call: Invocation) {}
      pre() {
        hooked.push(this.call.name);
      }
    }
    let remove: (() => void) | undefined;
    const qs = Array.from({ length: 24 }, (_, i) => `q${i}`);
    try {
      const bodies = await Promise.all(
        qs.map(async (q, i) => {
          if (i === 12) remove = registerHookProvider(() => [Seen]);
          const headers: Record<string, string> = i % 3 === 0 ? {} : { 'x-session-id': `s-${q}` };
          return get(port, `/?q=${q}`, headers, agent);
        }),
      );
      expect(bodies).toEqual(qs.map((q) => `doc:${q}|${q}`));
      // The late hook ran (the fast path noticed it).
      expect(hooked.length).toBeGreaterThan(0);
      expect(hooked).toContain('draft');
    } finally {
      remove?.();
      agent.destroy();
      await new Promise((r) => server.close(r));
    }

    const spans = exporter.getFinishedSpans();
    for (const [i, q] of qs.entries()) {
      const root = rootOf(spans, q);
      const mine = spans.filter((s) => traceId(s) === traceId(root));
      // answer, parallel (context), docs retry + 1 or 2 lookups, echo, timeout (draft) + draft.
      const names = mine.map((s) => s.name).sort();
      expect(
        mine.filter((s) => s.name === 'lookup'),
        q,
      ).toHaveLength(i % 2 === 0 ? 2 : 1);
      expect(
        names.filter((n) => n !== 'lookup'),
        q,
      ).toEqual(['answer', 'context', 'docs', 'draft', 'draft', 'echo'].sort());
      expect(mine.every((s) => s.endTime[0] > 0)).toBe(true);
      for (const span of mine) {
        const where = `${q}/${span.name}`;
        expect([where, span.attributes['session.id']]).toEqual([where, i % 3 === 0 ? undefined : `s-${q}`]);
        expect([where, span.attributes['user.id']]).toEqual([where, `u-${q}`]);
        expect([where, span.attributes['lazytrace.tags']]).toEqual([
          where,
          i % 3 === 0 ? undefined : [`t-${q}`],
        ]);
      }
      // Exact structure: every non-root span's parent is in the same request.
      const ids = new Set(mine.map(spanId));
      for (const span of mine)
        if (span !== root) expect(ids.has(parentId(span)!), `${q}/${span.name}`).toBe(true);
      const byId = new Map(mine.map((s) => [spanId(s), s]));
      const parentName = (s: ReadableSpan) => byId.get(parentId(s)!)?.name;
      for (const s of mine.filter((s) => s.name === 'lookup')) expect(parentName(s)).toBe('docs');
      const drafts = mine.filter((s) => s.name === 'draft');
      const timeoutSpan = drafts.find((s) => s.attributes['lazytrace.class'] === 'Timeout')!;
      const llm = drafts.find((s) => s !== timeoutSpan)!;
      expect(parentName(timeoutSpan)).toBe('answer');
      expect(parentId(llm)).toBe(spanId(timeoutSpan));
      // The streamed call recorded its chunks and the text, ended with the stream.
      expect(llm.attributes['lazytrace.stream.chunks']).toBe(3);
      expect(llm.attributes['lazytrace.output']).toBe(JSON.stringify(`doc:${q}|${q}`));
      expect(root.attributes['lazytrace.output']).toBe(JSON.stringify(`doc:${q}|${q}`));
    }
  });
});

describe('pipelined requests in one TCP write, with a user hook that calls setTrace in pre', () => {
  it('each request’s spans carry only its own session; the hook’s setTrace stays in its call', async () => {
    const { server, port } = await start();
    // A user hook that tags every `draft` call (its setTrace goes to the hooked call only).
    const tagger = {
      name: 'tagger',
      create: (call: Invocation) => ({
        pre() {
          if (call.name === 'draft') setTrace({ metadata: { drafted: 'yes' } });
        },
      }),
    };
    const remove = registerHookProvider(() => [tagger]);
    const qs = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'];
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    let received = '';
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    try {
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(
        qs
          .map(
            (q, i) =>
              `GET /?q=${q} HTTP/1.1\r\nHost: 127.0.0.1\r\n${i % 2 === 0 ? `x-session-id: s-${q}\r\n` : ''}\r\n`,
          )
          .join(''),
      );
      const deadline = Date.now() + 10_000;
      while (qs.some((q) => !received.includes(`doc:${q}|${q}`)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      remove();
      socket.destroy();
      await new Promise((r) => server.close(r));
    }
    for (const q of qs) expect(received).toContain(`doc:${q}|${q}`);
    const spans = exporter.getFinishedSpans();
    for (const [i, q] of qs.entries()) {
      const root = rootOf(spans, q);
      const mine = spans.filter((s) => traceId(s) === traceId(root));
      expect(mine.length).toBeGreaterThanOrEqual(7);
      for (const span of mine) {
        const where = `${q}/${span.name}`;
        expect([where, span.attributes['session.id']]).toEqual([where, i % 2 === 0 ? `s-${q}` : undefined]);
        expect([where, span.attributes['user.id']]).toEqual([where, `u-${q}`]);
        // The hook's setTrace in the `draft` timeout's pre reaches that call's child (the llm
        // step, also named draft) and nothing else: not the timeout's own span (already started),
        // not its siblings, not the next request on the socket.
        const below = span.name === 'draft' && span.attributes['lazytrace.class'] !== 'Timeout';
        expect([where, span.attributes['lazytrace.metadata.drafted']]).toEqual([
          where,
          below ? 'yes' : undefined,
        ]);
      }
    }
  });
});

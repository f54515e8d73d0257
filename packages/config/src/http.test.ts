import { Agent, createServer, type IncomingMessage, request, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { serve } from '@hono/node-server';
import { type CallContext, fn, pipeline } from '@lazytrace/core';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../../../test/support/otel.js';
import { expressTracing, fastifyTracing, honoTracing, traceRequests } from './http.js';
import { getTrace, setTrace } from './set-trace.js';

// Issue 9, item 5: one trace scope per request for node:http, Express, Fastify and Hono, over
// real sockets on 127.0.0.1, with keep-alive connections reused between requests.

let exporter: InMemorySpanExporter;
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
afterAll(() => uninstallTestTracing());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The work of one request: awaits and a timer, then reports what it saw. */
const work = pipeline(
  {
    wait: fn(async (q: string) => {
      await pause(1);
      return new Promise<string>((r) => setTimeout(() => r(q), 1));
    }),
    report: (q: string, ctx: CallContext) => ({
      q,
      traceId: ctx.traceId,
      session: getTrace().sessionId ?? null,
    }),
  },
  { name: 'work' },
);

type Answer = { q: string; traceId: string; session: string | null };

/** Reads session, user and tags from headers: what an application's `context` would do. */
const fromHeaders = (headers: IncomingMessage['headers']) => ({
  sessionId: headers['x-session-id'],
  userId: headers['x-user-id'] === undefined ? undefined : Number(headers['x-user-id']),
  tags: ['web'],
});

function send(
  port: number,
  agent: Agent,
  method: 'GET' | 'POST',
  q: string,
  headers: Record<string, string>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = method === 'POST' ? JSON.stringify({ q }) : undefined;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: method === 'GET' ? `/ask?q=${q}` : '/ask',
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as Answer);
          } catch (error) {
            reject(new Error(`${res.statusCode}: ${text} (${String(error)})`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A POST whose body arrives 30 ms after its headers, in a TCP write of its own. */
async function slowPost(port: number, session: string): Promise<Answer> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  const closed = new Promise((r) => socket.once('close', r));
  await new Promise((r) => socket.once('connect', r));
  const body = JSON.stringify({ q: 'slow' });
  socket.write(
    `POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nx-session-id: ${session}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
  );
  await pause(30);
  socket.write(body);
  await closed;
  const json = text.slice(text.indexOf('\r\n\r\n') + 4);
  return JSON.parse(json.slice(json.indexOf('{'), json.lastIndexOf('}') + 1)) as Answer;
}

/** The spans of the trace with this id. */
const trace = (traceId: string) =>
  exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

/** Requests over one keep-alive socket: with a session, without, a POST with a body, concurrently. */
async function exercise(port: number, withBodies: boolean): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await send(port, agent, 'GET', 'one', { 'x-session-id': 'A', 'x-user-id': '7' });
    const second = await send(port, agent, 'GET', 'two', {});
    const posted = withBodies
      ? await send(port, agent, 'POST', 'three', { 'x-session-id': 'C' })
      : await send(port, agent, 'GET', 'three', { 'x-session-id': 'C' });
    if (withBodies) {
      const slow = await slowPost(port, 'SLOW');
      expect([slow.q, slow.session]).toEqual(['slow', 'SLOW']);
      for (const span of trace(slow.traceId)) expect(span.attributes['session.id']).toBe('SLOW');
    }
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(port, new Agent({ keepAlive: false }), 'GET', `c${i}`, { 'x-session-id': `S${i}` }),
      ),
    );
    expect([first.q, first.session, second.q, second.session, posted.q, posted.session]).toEqual([
      'one',
      'A',
      'two',
      null,
      'three',
      'C',
    ]);
    const expectSpans = (answer: Answer, session: string | undefined, user: string | undefined) => {
      const spans = trace(answer.traceId);
      expect(spans.map((s) => s.name).sort()).toEqual(['report', 'wait', 'work']);
      for (const span of spans) {
        expect(span.attributes['session.id']).toBe(session);
        expect(span.attributes['user.id']).toBe(user);
        expect(span.attributes['lazytrace.tags']).toEqual(['web']);
      }
    };
    expectSpans(first, 'A', '7');
    expectSpans(second, undefined, undefined);
    expectSpans(posted, 'C', undefined);
    concurrent.forEach((answer, i) => {
      expect(answer.session).toBe(`S${i}`);
      expectSpans(answer, `S${i}`, undefined);
    });
  } finally {
    agent.destroy();
  }
}

const listening = async (server: Server) => {
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  return (server.address() as AddressInfo).port;
};
const closing = (server: Server) => new Promise((r) => server.close(r));

describe('request middleware (item 5)', () => {
  it('node:http: traceRequests scopes each request', async () => {
    const server = createServer(
      traceRequests(
        async (req, res) => {
          const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
          res.end(JSON.stringify(await work.invoke(q)));
        },
        { context: (req) => fromHeaders(req.headers) },
      ),
    ).listen(0, '127.0.0.1');
    try {
      await exercise(await listening(server), false);
    } finally {
      await closing(server);
    }
  });

  it('Express: expressTracing after the body parser scopes each request, also for a POST body', async () => {
    const app = express();
    app.use(express.json());
    app.use(expressTracing({ context: (req) => fromHeaders(req.headers) }));
    app.get('/ask', async (req, res) => {
      res.json(await work.invoke(String(req.query.q)));
    });
    app.post('/ask', async (req, res) => {
      res.json(await work.invoke(req.body.q));
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      await exercise(await listening(server), true);
    } finally {
      await closing(server);
    }
  });

  it('Fastify: the fastifyTracing plugin scopes each request, also after reading a POST body', async () => {
    const app = Fastify();
    await app.register(
      fastifyTracing<{ headers: IncomingMessage['headers'] }>({ context: (r) => fromHeaders(r.headers) }),
    );
    app.get('/ask', async (request) => work.invoke((request.query as { q: string }).q));
    app.post('/ask', async (request) => work.invoke((request.body as { q: string }).q));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await exercise((app.server.address() as AddressInfo).port, true);
    } finally {
      await app.close();
    }
  });

  it('Hono (on @hono/node-server): honoTracing scopes each request, also after reading a POST body', async () => {
    const app = new Hono();
    app.use(
      honoTracing<{ req: { header(name: string): string | undefined } }>({
        context: (c) => ({
          sessionId: c.req.header('x-session-id'),
          userId: c.req.header('x-user-id'),
          tags: ['web'],
        }),
      }),
    );
    app.get('/ask', async (c) => c.json(await work.invoke(c.req.query('q') ?? '')));
    app.post('/ask', async (c) => c.json(await work.invoke(((await c.req.json()) as { q: string }).q)));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    try {
      await exercise(await listening(server), true);
    } finally {
      await closing(server);
    }
  });

  it('a context function that throws: the request goes on, with no settings of its own, reported once', async () => {
    const warnings: string[] = [];
    const { setLogger } = await import('@lazytrace/core');
    setLogger({ warn: (m) => warnings.push(m) });
    const server = createServer(
      traceRequests(
        async (_req, res) => {
          res.end(JSON.stringify(await work.invoke('x')));
        },
        {
          context: () => {
            throw new Error('no user');
          },
        },
      ),
    ).listen(0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const port = await listening(server);
      const answers = [await send(port, agent, 'GET', 'x', {}), await send(port, agent, 'GET', 'x', {})];
      expect(answers.map((a) => a.q)).toEqual(['x', 'x']);
      expect(warnings.filter((w) => w.includes('"context" function threw'))).toHaveLength(1);
    } finally {
      agent.destroy();
      setLogger(undefined);
      await closing(server);
    }
  });

  it('inside the scope, setTrace adds to the request’s settings and stays in the request', async () => {
    const server = createServer(
      traceRequests(
        async (req, res) => {
          if (req.headers['x-extra'] !== undefined) setTrace({ tags: ['extra'] });
          const answer = await work.invoke('t');
          res.end(JSON.stringify({ ...answer, tags: getTrace().tags }));
        },
        { context: () => ({ tags: ['base'] }) },
      ),
    ).listen(0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const port = await listening(server);
      const a = (await send(port, agent, 'GET', 't', { 'x-extra': '1' })) as Answer & { tags: string[] };
      const b = (await send(port, agent, 'GET', 't', {})) as Answer & { tags: string[] };
      expect(a.tags).toEqual(['base', 'extra']);
      expect(b.tags).toEqual(['base']);
      for (const span of trace(b.traceId)) expect(span.attributes['lazytrace.tags']).toEqual(['base']);
    } finally {
      agent.destroy();
      await closing(server);
    }
  });
});

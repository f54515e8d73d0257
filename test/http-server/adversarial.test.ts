import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { getTrace, LazytraceSampler, setTrace, withTrace } from '@lazytrace/config';
import { expressTracing, honoTracing, traceRequests } from '@lazytrace/config/http';
import {
  type CallContext,
  configureTracing,
  fn,
  parallel,
  pipeline,
  setLogger,
  type TraceContext,
} from '@lazytrace/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { get } from '../support/http.js';
import { installTestTracing, parentId, spanId, uninstallTestTracing } from '../support/otel.js';
import { overRawConnection, rawRequests } from './raw-connection.js';

// An attacker's view of the request context over real sockets on 127.0.0.1 (issue 9, items 1, 2,
// 5, 11, 13): every way of scoping a request (setTrace before / after the first await, withTrace,
// the middleware of @lazytrace/config/http) × every transport (keep-alive agent with concurrent
// clients, pipelined raw writes, one connection one request after another) × requests with and
// without their own session, user, tags, with tracing or content off, with a repeated header.
// Checked on every exported span: session, user, tags, trace, parent, content.

let exporter: InMemorySpanExporter;
const warnings: string[] = [];
beforeEach(() => {
  ({ exporter } = installTestTracing());
  setLogger({ warn: (m: string) => warnings.push(m) });
});
afterEach(() => setLogger(undefined));
afterAll(() => uninstallTestTracing());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Seven calls per request: awaits, a timer, a parallel; the LLM step reports the trace id.
const app = pipeline(
  {
    classify: fn(async (q: string) => {
      await pause(1);
      return q;
    }),
    lookup: parallel({
      a: fn(async (q: string) => new Promise<string>((r) => setTimeout(() => r(`a:${q}`), 1)), {
        name: 'a',
        kind: 'retriever',
      }),
      b: fn(async (q: string) => `b:${q}`, { name: 'b', kind: 'retriever' }),
    }),
    llm: fn(
      async (found: { a: string }, ctx: CallContext) => {
        await pause(1);
        return {
          answer: `SECRET<${found.a.slice(2)}>`,
          traceId: ctx.traceId ?? null,
          session: getTrace().sessionId ?? null,
        };
      },
      { name: 'llm', kind: 'llm' },
    ),
    format: (x: { answer: string; traceId: string | null; session: string | null }) => x,
  },
  { name: 'app' },
);
const SPANS_PER_REQUEST = 7;

/** The trace configuration a request asks for in its headers (what an application would read). */
function configOf(req: IncomingMessage): TraceContext {
  const h = req.headersDistinct;
  return {
    sessionId: h['x-session'],
    // A repeated x-user is ambiguous: dropped with one warning, never thrown.
    userId: h['x-user'],
    tags: h['x-tag'],
    enabled: req.headers['x-off'] === undefined ? undefined : false,
    captureContent: req.headers['x-no-content'] === undefined ? undefined : false,
    metadata: req.headers['x-plan'] === undefined ? undefined : { plan: Number(req.headers['x-plan']) },
  };
}

const hasOwnConfig = (req: IncomingMessage) => Object.keys(req.headers).some((k) => k.startsWith('x-'));

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const q = new URL(req.url ?? '/', 'http://localhost').searchParams.get('q') ?? '';
  const out = await app.invoke(q);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ q, ...out, done: true }));
}

type Scoping = (req: IncomingMessage, res: ServerResponse) => void;
const SCOPINGS: readonly [string, Scoping][] = [
  [
    'setTrace before the first await',
    (req, res) => {
      setTrace(configOf(req));
      void answer(req, res);
    },
  ],
  [
    'setTrace only when the request has headers (README)',
    (req, res) => {
      if (hasOwnConfig(req)) setTrace(configOf(req));
      void answer(req, res);
    },
  ],
  [
    'setTrace after an await',
    (req, res) =>
      void (async () => {
        await pause(1);
        setTrace(configOf(req));
        await answer(req, res);
      })(),
  ],
  ['withTrace', (req, res) => void withTrace(configOf(req), () => answer(req, res))],
  ['traceRequests', traceRequests((req, res) => void answer(req, res), { context: configOf })],
  [
    'expressTracing',
    (() => {
      const mw = expressTracing({ context: configOf });
      return (req: IncomingMessage, res: ServerResponse) => mw(req, res, () => void answer(req, res));
    })(),
  ],
  [
    'honoTracing',
    (() => {
      const mw = honoTracing<{ req: IncomingMessage; res: ServerResponse }>({
        context: (c) => configOf(c.req),
      });
      return (req: IncomingMessage, res: ServerResponse) =>
        void mw({ req, res }, async () => {
          await pause(1);
          await answer(req, res);
        });
    })(),
  ],
];

interface Sent {
  readonly q: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
}

/** The mix: own values, none at all, repeated header, off, content off, number metadata. */
function mix(prefix: string): Sent[] {
  return [
    {
      q: `${prefix}-1`,
      headers: { 'x-session': `s-${prefix}-1`, 'x-user': `u-${prefix}-1`, 'x-tag': 'alpha' },
    },
    { q: `${prefix}-2`, headers: {} },
    { q: `${prefix}-3`, headers: { 'x-tag': ['beta', 'gamma'] } },
    { q: `${prefix}-4`, headers: { 'x-user': ['u-a', 'u-b'], 'x-session': `s-${prefix}-4` } },
    { q: `${prefix}-5`, headers: {} },
    { q: `${prefix}-6`, headers: { 'x-off': '1', 'x-user': 'ghost', 'x-tag': 'ghost' } },
    { q: `${prefix}-7`, headers: {} },
    { q: `${prefix}-8`, headers: { 'x-no-content': '1', 'x-session': `s-${prefix}-8`, 'x-plan': '3' } },
    { q: `${prefix}-9`, headers: {} },
  ];
}

function expected(sent: Sent): {
  off: boolean;
  session?: string;
  user?: string;
  tags?: string[];
  content: boolean;
  plan?: string;
} {
  const h = sent.headers;
  const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);
  const tags = h['x-tag'] === undefined ? undefined : ([] as string[]).concat(h['x-tag']);
  return {
    off: h['x-off'] !== undefined,
    session: one(h['x-session']),
    user: one(h['x-user']),
    tags,
    content: h['x-no-content'] === undefined,
    plan: h['x-plan'] === undefined ? undefined : String(h['x-plan']),
  };
}

const rawRequest = (s: Sent) =>
  `GET /?q=${s.q} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(s.headers)
    .flatMap(([k, v]) => ([] as string[]).concat(v).map((one) => `${k}: ${one}\r\n`))
    .join('')}\r\n`;

type Body = { q: string; answer: string; traceId: string | null; session: string | null };

/** Concurrent clients over a keep-alive agent of two sockets: requests of different users interleave. */
async function overKeepAliveAgent(port: number, sent: readonly Sent[]): Promise<Body[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  try {
    return await Promise.all(
      sent.map(async (s) => JSON.parse(await get(port, `/?q=${s.q}`, s.headers, agent)) as Body),
    );
  } finally {
    agent.destroy();
  }
}

async function withServer<T>(handler: Scoping, run: (port: number) => Promise<T>): Promise<T> {
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 2_000; // bounded: no connection outlives the test
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await run((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

function check(sentList: readonly Sent[], bodies: readonly Body[]): void {
  expect(bodies.map((b) => b.q).sort()).toEqual(sentList.map((s) => s.q).sort());
  const spans = exporter.getFinishedSpans();
  let traced = 0;
  for (const sent of sentList) {
    const body = bodies.find((b) => b.q === sent.q)!;
    const want = expected(sent);
    expect([sent.q, body.answer]).toEqual([sent.q, `SECRET<${sent.q}>`]);
    expect([sent.q, body.session]).toEqual([sent.q, want.session ?? null]);
    if (want.off) {
      expect([sent.q, body.traceId]).toEqual([sent.q, null]);
      continue;
    }
    traced++;
    const mine = spans.filter((s) => s.spanContext().traceId === body.traceId);
    expect([sent.q, mine.length]).toEqual([sent.q, SPANS_PER_REQUEST]);
    const ids = new Set(mine.map(spanId));
    const roots = mine.filter((s) => parentId(s) === undefined || !ids.has(parentId(s)!));
    expect([sent.q, roots.map((r) => r.name)]).toEqual([sent.q, ['app']]);
    for (const span of mine) {
      const where = [sent.q, span.name];
      expect([...where, span.attributes['session.id']]).toEqual([...where, want.session]);
      expect([...where, span.attributes['user.id']]).toEqual([...where, want.user]);
      expect([...where, span.attributes['lazytrace.tags']]).toEqual([...where, want.tags]);
      expect([...where, span.attributes['lazytrace.metadata.plan']]).toEqual([...where, want.plan]);
      const content = span.attributes['lazytrace.input'] !== undefined;
      expect([...where, content]).toEqual([...where, want.content]);
    }
    if (want.content) {
      expect(mine.find((s) => s.name === 'app')!.attributes['lazytrace.input']).toBe(JSON.stringify(sent.q));
    }
  }
  // Nothing recorded for requests that were off, no stray span.
  expect(spans).toHaveLength(traced * SPANS_PER_REQUEST);
}

type Transport =
  | 'keep-alive agent, concurrent clients'
  | 'pipelined in one TCP write'
  | 'one connection, one after another';
const TRANSPORTS: readonly Transport[] = [
  'keep-alive agent, concurrent clients',
  'pipelined in one TCP write',
  'one connection, one after another',
];

describe('every way of scoping a request × every transport', () => {
  const cases = SCOPINGS.flatMap(([label, handler]) => TRANSPORTS.map((t) => [label, t, handler] as const));
  test.each(cases)('%s, %s', async (_label, transport, handler) => {
    const prefix = Math.random().toString(36).slice(2, 8);
    const sent = mix(prefix);
    const bodies = await withServer(handler, (port) =>
      transport === 'keep-alive agent, concurrent clients'
        ? overKeepAliveAgent(port, sent)
        : rawRequests<Body>(port, sent.map(rawRequest), transport === 'pipelined in one TCP write'),
    );
    check(sent, bodies);
    // The repeated header (every mix has one) was reported, never thrown; once in the process,
    // as validation warnings are (so exactly one, whichever run came first).
    expect(warnings.filter((w) => w.includes('userId'))).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// A stream produced by one request and consumed by another (a shared queue), over real sockets.

const token = fn(async (i: number) => `tok${i}.`, { name: 'token', kind: 'llm' });
const generate = pipeline(
  {
    generate: fn(
      async function* generate(q: string) {
        for (let i = 0; i < 3; i++) {
          await pause(1);
          yield await token.invoke(i);
        }
        yield `SECRET<${q}>`;
      },
      { kind: 'llm' },
    ),
  },
  { name: 'stream-app' },
);

const PRODUCER_CONFIGS: readonly [string, TraceContext, 'content' | 'none' | 'off'][] = [
  ['content', {}, 'content'],
  ['captureContent: false', { captureContent: false }, 'none'],
  ['enabled: false', { enabled: false }, 'off'],
  ['sampled: false', { sampled: false }, 'off'],
];

describe('a stream made in one request, consumed by another request on the same or another socket', () => {
  const cases = PRODUCER_CONFIGS.flatMap(([label, config, exp]) =>
    (['same socket, pipelined', 'another socket'] as const).flatMap((where) =>
      (['setTrace', 'traceRequests'] as const).map((how) => [label, where, how, config, exp] as const),
    ),
  );
  test.each(cases)('producer %s, consumer on %s, scoped with %s', async (_l, where, how, config, exp) => {
    const parked = new Map<string, AsyncIterable<string>>();
    const inner = async (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const q = url.searchParams.get('q') ?? '';
      if (url.pathname === '/produce') {
        const stream = (await withTrace(config, () => generate.invoke(q))) as AsyncIterable<string>;
        parked.set(q, stream);
        res.end(JSON.stringify({ q, done: true }));
        return;
      }
      // The consumer: another user, content on; drains the producer's stream after a timer.
      await pause(2);
      let body = '';
      for await (const chunk of parked.get(q)!) body += chunk;
      res.end(JSON.stringify({ q, body, done: true }));
    };
    const handler: Scoping =
      how === 'setTrace'
        ? (req, res) => {
            setTrace(configOf(req));
            void inner(req, res);
          }
        : traceRequests((req, res) => void inner(req, res), { context: configOf });
    const bodies = await withServer(handler, async (port) => {
      const produce = `GET /produce?q=p HTTP/1.1\r\nHost: 127.0.0.1\r\nx-session: producer\r\nx-user: alice\r\nx-tag: p\r\n\r\n`;
      const consume = `GET /consume?q=p HTTP/1.1\r\nHost: 127.0.0.1\r\nx-session: consumer\r\nx-user: bob\r\nx-tag: c\r\n\r\n`;
      if (where === 'same socket, pipelined')
        return rawRequests<{ q: string }>(port, [produce, consume], true);
      const first = await rawRequests<{ q: string }>(port, [produce], false);
      return [...first, ...(await rawRequests<{ q: string }>(port, [consume], false))];
    });
    expect((bodies.find((b) => 'body' in b) as { body: string }).body).toBe('tok0.tok1.tok2.SECRET<p>');
    const spans = exporter.getFinishedSpans();
    if (exp === 'off') {
      expect(spans).toHaveLength(0);
      return;
    }
    expect(spans.map((s) => s.name).sort()).toEqual(['generate', 'stream-app', 'token', 'token', 'token']);
    const root = spans.find((s) => s.name === 'stream-app')!;
    for (const span of spans) {
      expect([
        span.name,
        span.attributes['session.id'],
        span.attributes['user.id'],
        span.attributes['lazytrace.tags'],
      ]).toEqual([span.name, 'producer', 'alice', ['p']]);
      expect(span.spanContext().traceId).toBe(root.spanContext().traceId);
      const recorded =
        span.attributes['lazytrace.input'] !== undefined || span.attributes['lazytrace.output'] !== undefined;
      expect([span.name, recorded]).toEqual([span.name, exp === 'content']);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Real frameworks (resolved from @lazytrace/config, which tests against them), with JSON bodies
// arriving after their headers, concurrent clients of different users and pipelined requests.

const fromConfig = createRequire(new URL('../../packages/config/package.json', import.meta.url));

interface Running {
  readonly port: number;
  close(): Promise<void>;
}

/** The answer to a POST: the question is in the body, the user in the headers. */
async function answerBody(q: string): Promise<Record<string, unknown>> {
  const out = await app.invoke(q);
  return { q, ...out, done: true };
}

async function listenNode(server: Server): Promise<Running> {
  server.keepAliveTimeout = 2_000;
  if (!server.listening) await new Promise((r) => server.once('listening', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const FRAMEWORKS: readonly [string, () => Promise<Running>][] = [
  [
    'Express, expressTracing after express.json()',
    async () => {
      const express = fromConfig('express');
      const web = express();
      web.use(express.json());
      web.use(expressTracing({ context: (req: IncomingMessage) => configOf(req) }));
      web.post('/ask', async (req: { body: { q: string } }, res: { json(v: unknown): void }) =>
        res.json(await answerBody(req.body.q)),
      );
      return listenNode(web.listen(0, '127.0.0.1'));
    },
  ],
  [
    'Express, expressTracing before express.json()',
    async () => {
      const express = fromConfig('express');
      const web = express();
      web.use(expressTracing({ context: (req: IncomingMessage) => configOf(req) }));
      web.use(express.json());
      web.post('/ask', async (req: { body: { q: string } }, res: { json(v: unknown): void }) =>
        res.json(await answerBody(req.body.q)),
      );
      return listenNode(web.listen(0, '127.0.0.1'));
    },
  ],
  [
    'Express, setTrace in the route',
    async () => {
      const express = fromConfig('express');
      const web = express();
      web.use(express.json());
      web.post(
        '/ask',
        async (req: IncomingMessage & { body: { q: string } }, res: { json(v: unknown): void }) => {
          setTrace(configOf(req));
          res.json(await answerBody(req.body.q));
        },
      );
      return listenNode(web.listen(0, '127.0.0.1'));
    },
  ],
  [
    'Fastify, fastifyTracing',
    async () => {
      const { fastifyTracing } = await import('@lazytrace/config/http');
      const Fastify = fromConfig('fastify');
      const web = Fastify({ keepAliveTimeout: 2_000 });
      await web.register(fastifyTracing({ context: (r: { raw: IncomingMessage }) => configOf(r.raw) }));
      web.post('/ask', async (req: { body: { q: string } }) => answerBody(req.body.q));
      await web.listen({ port: 0, host: '127.0.0.1' });
      return {
        port: (web.server.address() as AddressInfo).port,
        close: async () => {
          web.server.closeAllConnections();
          await web.close();
        },
      };
    },
  ],
  [
    'Hono on @hono/node-server, honoTracing',
    async () => {
      const { Hono } = fromConfig('hono');
      const { serve } = fromConfig('@hono/node-server');
      const web = new Hono();
      web.use(
        // @hono/node-server hands the IncomingMessage over as `c.env.incoming`.
        honoTracing<{ env: { incoming: IncomingMessage } }>({ context: (c) => configOf(c.env.incoming) }),
      );
      web.post('/ask', async (c: { req: { json(): Promise<{ q: string }> }; json(v: unknown): Response }) =>
        c.json(await answerBody((await c.req.json()).q)),
      );
      return listenNode(serve({ fetch: web.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
    },
  ],
];

/** POSTs over one socket, pipelined: each body in a TCP write of its own, 2 ms after its headers. */
async function postsPipelined(port: number, sent: readonly Sent[]): Promise<Body[]> {
  return overRawConnection<Body>(port, async (connection) => {
    for (const s of sent) {
      const body = JSON.stringify({ q: s.q });
      const headers = Object.entries(s.headers)
        .flatMap(([k, v]) => ([] as string[]).concat(v).map((one) => `${k}: ${one}\r\n`))
        .join('');
      connection.write(
        `POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${headers}\r\n`,
      );
      await pause(2);
      connection.write(body);
    }
    await connection.waitForAnswers(sent.length);
  });
}

/** POSTs from concurrent clients over a keep-alive agent of two sockets. */
async function postsConcurrent(port: number, sent: readonly Sent[]): Promise<Body[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  try {
    return await Promise.all(
      sent.map(
        (s) =>
          new Promise<Body>((resolve, reject) => {
            const body = JSON.stringify({ q: s.q });
            const req = request(
              {
                host: '127.0.0.1',
                port,
                method: 'POST',
                path: '/ask',
                agent,
                headers: { ...s.headers, 'content-type': 'application/json', 'content-length': body.length },
              },
              (res) => {
                let text = '';
                res.setEncoding('utf8');
                res.on('data', (c) => {
                  text += c;
                });
                res.on('end', () => {
                  try {
                    resolve(JSON.parse(text) as Body);
                  } catch (error) {
                    reject(new Error(`${res.statusCode}: ${text} (${String(error)})`));
                  }
                });
              },
            );
            req.on('error', reject);
            // Headers now, the body on a later tick.
            req.flushHeaders();
            setTimeout(() => req.end(body), 2);
          }),
      ),
    );
  } finally {
    agent.destroy();
  }
}

describe('real frameworks: POST bodies after their headers, concurrent and pipelined', () => {
  const cases = FRAMEWORKS.flatMap(([label, start]) =>
    (['concurrent keep-alive clients', 'pipelined on one socket'] as const).map(
      (t) => [label, t, start] as const,
    ),
  );
  test.each(cases)('%s, %s', async (_label, transport, start) => {
    const running = await start();
    const sent = mix(Math.random().toString(36).slice(2, 8));
    try {
      const bodies =
        transport === 'concurrent keep-alive clients'
          ? await postsConcurrent(running.port, sent)
          : await postsPipelined(running.port, sent);
      check(sent, bodies);
    } finally {
      await running.close();
    }
  });
});

describe('unusual requests on a connection whose earlier request called setTrace', () => {
  const scoping = SCOPINGS.find(([label]) => label.startsWith('setTrace only when'))![1];
  const cases: readonly [string, string][] = [
    ['Expect: 100-continue', 'GET /?q=%Q HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n\r\n'],
    ['HTTP/1.0 with keep-alive', 'GET /?q=%Q HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'],
    [
      'a chunked body nobody reads',
      'POST /?q=%Q HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    ],
    ['absolute-form target', 'GET http://127.0.0.1/?q=%Q HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
  ];
  test.each(cases.flatMap(([l, r]) => [true, false].map((p) => [l, p, r] as const)))(
    '%s (pipelined: %s) sees only the defaults',
    async (_label, pipelined, raw) => {
      const first: Sent = { q: 'first', headers: { 'x-session': 's1', 'x-user': 'u1', 'x-tag': 't1' } };
      const second: Sent = { q: 'second', headers: {} };
      const bodies = await withServer(scoping, async (port) => {
        const writes = [rawRequest(first), raw.replace('%Q', 'second')];
        return overRawConnection<Body>(port, async (connection) => {
          for (const w of pipelined ? [writes.join('')] : writes) connection.write(w);
          await connection.waitForAnswers(2);
        });
      });
      check([first, second], bodies);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Whole-request sampling (LazytraceSampler) with flows switched off and per-request `sampled`.

describe('a request is kept or dropped whole under a sample rate, whatever is switched off', () => {
  const VARIANTS: readonly [string, TraceContext, number, 'whole' | 'all' | 'none'][] = [
    ['nothing switched off, rate 0.5', {}, 0.5, 'whole'],
    ['root switched off, rate 0.5', { modules: { byName: { app: false } } }, 0.5, 'whole'],
    [
      'root and a nested flow off, rate 0.5',
      { modules: { byClass: { Pipeline: false, Parallel: false } } },
      0.5,
      'whole',
    ],
    ['sampled: true under rate 0', { sampled: true }, 0, 'all'],
    [
      'sampled: true, root switched off, rate 0',
      { sampled: true, modules: { byName: { app: false } } },
      0,
      'all',
    ],
    ['sampled: false under rate 1', { sampled: false }, 1, 'none'],
  ];
  test.each(VARIANTS)('%s', async (_label, config, rate, want) => {
    const sampledExporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler: new LazytraceSampler(rate),
      spanProcessors: [new SimpleSpanProcessor(sampledExporter)],
    });
    configureTracing({ tracerProvider: provider });
    try {
      const qs = Array.from({ length: 24 }, (_, i) => `r${i}`);
      const outs = await Promise.all(
        qs.map((q, i) => withTrace({ ...config, sessionId: `s-${i}` }, () => app.invoke(q))),
      );
      const spans = sampledExporter.getFinishedSpans();
      let kept = 0;
      for (const [i, q] of qs.entries()) {
        const mine = spans.filter((s) => s.attributes['session.id'] === `s-${i}`);
        const traces = new Set(mine.map((s) => s.spanContext().traceId));
        // Kept whole (every span the configuration leaves, in one trace, the id the app saw) or not at all.
        if (mine.length > 0) {
          kept++;
          expect([q, traces.size]).toEqual([q, 1]);
          expect([q, outs[i]!.traceId]).toEqual([q, [...traces][0]]);
          const switchedOff =
            (config.modules?.byName?.app === false ? 1 : 0) + (config.modules?.byClass ? 2 : 0);
          expect([q, mine.length]).toEqual([q, SPANS_PER_REQUEST - switchedOff]);
        }
      }
      if (want === 'all') expect(kept).toBe(qs.length);
      if (want === 'none') expect(kept).toBe(0);
      // At 0.5, some of 24 requests are kept and some dropped (all or none: one chance in 8 million).
      if (want === 'whole') expect(kept > 0 && kept < qs.length).toBe(true);
      // Nothing but whole requests was exported (no orphan of a dropped request).
      const perRequest =
        SPANS_PER_REQUEST -
        (config.modules?.byName?.app === false ? 1 : 0) -
        (config.modules?.byClass ? 2 : 0);
      expect(spans).toHaveLength(kept * perRequest);
    } finally {
      await provider.shutdown();
      ({ exporter } = installTestTracing());
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The middleware's own inputs: a wrong option fails at start-up, a hostile `context` never fails
// a request.

describe('the middleware of @lazytrace/config/http', () => {
  const MAKERS: readonly [string, (options: unknown) => unknown][] = [
    ['traceRequests', (o) => traceRequests(() => undefined, o as never)],
    ['expressTracing', (o) => expressTracing(o as never)],
    ['honoTracing', (o) => honoTracing(o as never)],
  ];
  test.each(
    MAKERS.flatMap(([name, make]) =>
      (
        [
          ['a string context', { context: 'x-user' }],
          ['a number as options', 42],
          ['an object as context', { context: {} }],
        ] as const
      ).map(([label, options]) => [name, label, make, options] as const),
    ),
  )('%s with %s throws a TypeError when made, naming the problem', (_name, _label, make, options) => {
    expect(() => make(options)).toThrow(TypeError);
  });

  test.each(MAKERS.map(([name, make]) => [name, make] as const))(
    '%s with null or no options is fine',
    (_n, make) => {
      expect(() => make(null)).not.toThrow();
      expect(() => make(undefined)).not.toThrow();
      expect(() => make({ context: undefined })).not.toThrow();
    },
  );

  const unprintable = {
    toString() {
      throw new Error('no');
    },
  };
  const HOSTILE: readonly [string, (req: IncomingMessage) => unknown][] = [
    [
      'throws an Error',
      () => {
        throw new Error('context failed');
      },
    ],
    [
      'throws an unprintable object',
      () => {
        throw unprintable;
      },
    ],
    ['returns a promise', async (req) => configOf(req)],
    [
      'returns an all-traps Proxy',
      () =>
        new Proxy(
          {},
          {
            ownKeys() {
              throw new Error('trap');
            },
            get() {
              throw new Error('trap');
            },
          },
        ),
    ],
    ['returns a number', () => 42],
    ['returns a Map', (req) => new Map([['userId', req.headers['x-user']]])],
    [
      'returns settings with a throwing getter',
      () =>
        Object.defineProperty({ sessionId: 's' }, 'userId', {
          enumerable: true,
          get() {
            throw new Error('getter');
          },
        }),
    ],
  ];
  test.each(HOSTILE)(
    'a context function that %s: every request is served, with no settings of its own',
    async (_label, context) => {
      const handler = traceRequests((req, res) => void answer(req, res), { context: context as never });
      const sent = mix(Math.random().toString(36).slice(2, 8)).map((s) => ({ ...s, headers: {} }));
      const bodies = await withServer(handler, (port) => overKeepAliveAgent(port, sent));
      check(sent, bodies);
      // Reported, at most once per problem.
      expect(new Set(warnings).size).toBe(warnings.length);
    },
  );
});

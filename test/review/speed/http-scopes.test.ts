import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { traceRequests } from '@lazytrace/config/http';
import { fn, pipeline } from '@lazytrace/core';
import { describe, expect, it } from 'vitest';
import { parentId, spanId, traceId } from '../../support/otel.js';
import { exporter, useTestTracing } from '../support.js';

// The per-request trace scope of @lazytrace/config/http over the direct path (issue #10, H3):
// keep-alive sockets carrying many requests, bodies arriving in pieces so requests interleave,
// every call on the direct path. Each span must carry its own request's session and user, sit in
// its own request's trace, and nothing may bleed into the next request on the same socket
// (requests without headers get no values at all).

useTestTracing();

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const embed = fn(async (text: string) => text.length, { name: 'embed', kind: 'embedding' });
const search = fn(
  async (n: number) => {
    await pause(n % 3);
    return [`doc${n}`];
  },
  { name: 'search', kind: 'retriever' },
);
const rag = pipeline([embed, search], { name: 'rag' });

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const docs = (await rag.invoke(body)) as string[];
  res.end(docs.join(','));
}

function post(port: number, agent: Agent, body: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent,
        headers: { ...headers, 'content-length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    // The body in two pieces, the second a little later: requests interleave on the server.
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    setTimeout(() => req.end(body.slice(half)), body.length % 4);
  });
}

describe('traceRequests over keep-alive, direct-path calls', () => {
  it('30 interleaved requests on 3 sockets: each span has its own request’s values, none bleeds over', async () => {
    const server = createServer(
      traceRequests(
        (req: IncomingMessage, res: ServerResponse) => {
          handle(req, res).catch(() => res.destroy());
        },
        {
          context: (req) => {
            const session = req.headers['x-session-id'];
            const user = req.headers['x-user-id'];
            return { sessionId: session ?? null, userId: user ?? null };
          },
        },
      ),
    );
    server.keepAliveTimeout = 2_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    const bodies = Array.from({ length: 30 }, (_, i) => 'x'.repeat(i + 1));
    const headersOf = (i: number): Record<string, string> =>
      i % 3 === 2 ? {} : { 'x-session-id': `s${i}`, 'x-user-id': `u${i}` };
    try {
      const answers = await Promise.all(bodies.map((b, i) => post(port, agent, b, headersOf(i))));
      expect(answers).toEqual(bodies.map((b) => `doc${b.length}`));
    } finally {
      agent.destroy();
      await new Promise((r) => server.close(r));
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(90);
    for (const [i, b] of bodies.entries()) {
      const root = spans.find(
        (s) => s.name === 'rag' && s.attributes['lazytrace.input'] === JSON.stringify(b),
      );
      expect(root, b).toBeDefined();
      const mine = spans.filter((s) => traceId(s) === traceId(root!));
      expect(mine.map((s) => s.name).sort()).toEqual(['embed', 'rag', 'search']);
      for (const span of mine) {
        const where = `${i}/${span.name}`;
        expect([where, span.attributes['session.id'], span.attributes['user.id']]).toEqual([
          where,
          i % 3 === 2 ? undefined : `s${i}`,
          i % 3 === 2 ? undefined : `u${i}`,
        ]);
        if (span !== root) expect(parentId(span)).toBe(spanId(root!));
      }
    }
  });
});

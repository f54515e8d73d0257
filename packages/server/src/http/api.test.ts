import { request as httpRequest } from 'node:http';
import {
  computeStats,
  readOtlpJson,
  type SessionSummary,
  type SpanNode,
  type StatsResult,
  type TraceSummary,
} from '@lazytrace/traces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../server.js';
import { getJson, postJson, testServer } from '../testing/harness.js';
import { otlpRequest, ragTrace, type TraceSpec } from '../testing/otlp-fixtures.js';

const HOUR = 3_600_000;
const T = Math.floor((Date.now() - HOUR) / 1000) * 1000;

/** Floats to 9 significant digits: SQL and JS interpolate percentiles with different roundings. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Number(value.toPrecision(9));
  if (Array.isArray(value)) return value.map(rounded);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  }
  return value;
}

type List = { traces: TraceSummary[]; nextCursor: string | null };

/** Raw request with a chosen Host header (fetch does not let a test set it). */
function rawGet(server: RunningServer, path: string, headers: Record<string, string>, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the HTTP API', () => {
  let server: RunningServer;
  const t1 = ragTrace(T, { session: 's1', user: 'alice', tags: ['prod', 'beta'], llmMs: 80 });
  const t2 = ragTrace(T + 1000, {
    session: 's1',
    user: 'bob',
    tags: ['prod'],
    error: true,
    llmMs: 300,
    answer: 'A purple Elephant',
  });
  const t3 = ragTrace(T + 2000, {
    session: 's2',
    user: 'alice',
    name: 'chat',
    llmMs: 1000,
    question: 'Tell me about zebras',
  });
  const t4 = ragTrace(T + 3000, { llmMs: 40 });
  const t5 = ragTrace(T - 10 * 24 * HOUR, { name: 'chat', llmMs: 80 });
  const all: TraceSpec[] = [t1, t2, t3, t4, t5];
  const ids = (list: List) => list.traces.map((t) => t.traceId);
  const list = async (query: string) => (await getJson<List>(server, `/api/traces${query}`)).body;

  beforeAll(async () => {
    server = await testServer();
    expect((await postJson(server, otlpRequest([t1, t2, t3]))).status).toBe(200);
    expect((await postJson(server, otlpRequest([t4, t5]))).status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists traces newest first with the TraceSummary shape', async () => {
    const body = await list('');
    expect(ids(body)).toEqual([t4, t3, t2, t1, t5].map((t) => t.traceId));
    expect(body.nextCursor).toBeNull();
    const first = body.traces.find((t) => t.traceId === t1.traceId);
    expect(first).toMatchObject({
      name: 'rag',
      status: 'ok',
      spanCount: 3,
      errorCount: 0,
      sessionId: 's1',
      userId: 'alice',
      tags: ['prod', 'beta'],
      input: '"What is lazytrace?"',
      output: '"A tracing library."',
      model: 'gpt-test',
      tokens: { input: 100, output: 20, total: 120 },
      durationMs: 100,
      startTime: new Date(T).toISOString(),
    });
  });

  it('pages with an opaque cursor until nextCursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const body: List = await list(
        `?limit=2${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      expect(body.traces.length).toBeLessThanOrEqual(2);
      seen.push(...ids(body));
      cursor = body.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([t4, t3, t2, t1, t5].map((t) => t.traceId));
  });

  it('filters by name, status, session, user, tags, duration, time and text', async () => {
    const expectIds = async (query: string, expected: TraceSpec[]) =>
      expect(ids(await list(query)).sort(), query).toEqual(expected.map((t) => t.traceId as string).sort());
    await expectIds('?name=chat', [t3, t5]);
    await expectIds('?status=error', [t2]);
    await expectIds('?status=ok', [t1, t3, t4, t5]);
    await expectIds('?session=s1', [t1, t2]);
    await expectIds('?user=alice', [t1, t3]);
    await expectIds('?tag=prod', [t1, t2]);
    await expectIds('?tag=prod&tag=beta', [t1]);
    await expectIds('?minDurationMs=200', [t2, t3]);
    await expectIds('?maxDurationMs=100', [t1, t4, t5]);
    await expectIds('?minDurationMs=100&maxDurationMs=400', [t1, t2, t5]);
    await expectIds(`?since=${encodeURIComponent(new Date(T - 1000).toISOString())}`, [t1, t2, t3, t4]);
    await expectIds(`?until=${T + 1500}`, [t1, t2, t5]);
    await expectIds('?since=2h', [t1, t2, t3, t4]);
    await expectIds('?q=ZEBRAS', [t3]);
    await expectIds('?q=elephant', [t2]);
    await expectIds('?q=retriever', all);
    await expectIds('?name=rag&session=s1&status=ok', [t1]);
  });

  it('q finds what a span shows as its input or output, tool arguments and results too', async () => {
    const tool: TraceSpec = {
      startMs: T - 3_600_000,
      spans: [
        {
          name: 'lookup',
          kind: 'tool',
          startMs: 0,
          durationMs: 5,
          attributes: {
            'gen_ai.tool.call.arguments': '{"city":"Quokkaville"}',
            'gen_ai.tool.call.result': '{"forecast":"Narwhal weather"}',
          },
        },
      ],
    };
    expect((await postJson(server, otlpRequest([tool]))).status).toBe(200);
    await server.flush();
    try {
      expect(ids(await list('?q=quokkaville'))).toEqual([tool.traceId]);
      expect(ids(await list('?q=narwhal'))).toEqual([tool.traceId]);
    } finally {
      await server.store.deleteTrace(tool.traceId as string);
    }
  });

  it('rejects bad parameters with 400 and a message, and clamps limit to 500', async () => {
    for (const query of [
      '?status=maybe',
      '?limit=0',
      '?limit=ten',
      '?cursor=garbage',
      '?since=yesterday-ish',
      '?minDurationMs=-5',
    ]) {
      const { status, body } = await getJson<{ error: string }>(server, `/api/traces${query}`);
      expect(status, query).toBe(400);
      expect(body.error.length, query).toBeGreaterThan(5);
    }
    expect((await getJson(server, '/api/traces?limit=100000')).status).toBe(200);
  });

  it('GET /api/traces/:id at each level', async () => {
    const path = `/api/traces/${t1.traceId}`;
    const levels = Object.fromEntries(
      await Promise.all(
        ['minimal', 'standard', 'detailed', 'debug'].map(async (level) => [
          level,
          (
            await getJson<{ trace: TraceSummary; root: SpanNode; orphans: SpanNode[] }>(
              server,
              `${path}?level=${level}`,
            )
          ).body,
        ]),
      ),
    );
    const byDefault = (await getJson<{ root: SpanNode }>(server, path)).body;
    expect(byDefault).toEqual(levels.standard);
    expect(levels.minimal.root.input).toBeNull();
    expect(levels.standard.root.input).toBe('"What is lazytrace?"');
    expect(levels.standard.root.attributes).toEqual({});
    expect(levels.detailed.root.attributes['session.id']).toBe('s1');
    expect(levels.debug.root.resource?.['service.name']).toBe('test-app');
    expect(levels.standard.trace.traceId).toBe(t1.traceId);
    expect(levels.standard.orphans).toEqual([]);
    expect(levels.standard.root.children.map((c: SpanNode) => c.name)).toEqual(['retriever', 'llm']);
    // ids in any case
    expect((await getJson(server, `/api/traces/${(t1.traceId as string).toUpperCase()}`)).status).toBe(200);
    expect((await getJson(server, '/api/traces/0123456789abcdef0123456789abcdef')).status).toBe(404);
    expect((await getJson(server, '/api/traces/not-an-id')).status).toBe(404);
    expect((await getJson(server, `${path}?level=verbose`)).status).toBe(400);
  });

  it('GET /api/traces/:id/events: flat spans in start order with filters and paging', async () => {
    type Events = { total: number; spans: { name: string; traceId: string; status: string }[] };
    const path = `/api/traces/${t2.traceId}/events`;
    const allEvents = (await getJson<Events>(server, path)).body;
    expect(allEvents.total).toBe(3);
    expect(allEvents.spans.map((s) => s.name)).toEqual(['rag', 'retriever', 'llm']);
    expect(allEvents.spans.every((s) => s.traceId === t2.traceId)).toBe(true);
    expect((await getJson<Events>(server, `${path}?kind=llm`)).body.spans.map((s) => s.name)).toEqual([
      'llm',
    ]);
    expect((await getJson<Events>(server, `${path}?name=retriever`)).body.spans.map((s) => s.name)).toEqual([
      'retriever',
    ]);
    expect((await getJson<Events>(server, `${path}?status=error`)).body.spans.map((s) => s.name)).toEqual([
      'rag',
      'llm',
    ]);
    const page = (await getJson<Events>(server, `${path}?limit=1&offset=1`)).body;
    expect(page.total).toBe(3);
    expect(page.spans.map((s) => s.name)).toEqual(['retriever']);
    expect((await getJson(server, '/api/traces/0123456789abcdef0123456789abcdef/events')).status).toBe(404);
  });

  it('GET /api/traces/:id/summary and /analysis', async () => {
    const summary = (await getJson<Record<string, unknown>>(server, `/api/traces/${t2.traceId}/summary`))
      .body;
    expect(summary).toMatchObject({
      traceId: t2.traceId,
      spanCount: 3,
      spansByKind: { flow: 1, retriever: 1, llm: 1 },
      tokens: { input: 100, output: 20, total: 120 },
      errorCount: 2,
      models: ['gpt-test'],
    });
    const analysis = (
      await getJson<{ traceCount: number; criticalPath: string[]; bottlenecks: { name: string }[] }>(
        server,
        `/api/traces/${t2.traceId}/analysis`,
      )
    ).body;
    expect(analysis.traceCount).toBe(1);
    expect(analysis.criticalPath.length).toBeGreaterThan(0);
    expect(analysis.bottlenecks[0]?.name).toBe('llm');
    expect((await getJson(server, '/api/traces/0123456789abcdef0123456789abcdef/analysis')).status).toBe(404);
    expect((await getJson(server, '/api/traces/0123456789abcdef0123456789abcdef/summary')).status).toBe(404);
  });

  it('GET /api/stats agrees with computeStats over the same traces and spans', async () => {
    const summaries = (await list('?limit=500')).traces;
    const stats = (await getJson<StatsResult>(server, '/api/stats')).body;
    expect(rounded(stats)).toEqual(rounded(computeStats(summaries)));
    expect(stats.count).toBe(5);
    expect(stats.errorCount).toBe(1);
    const byName = (await getJson<StatsResult>(server, '/api/stats?groupBy=name')).body;
    expect(rounded(byName)).toEqual(rounded(computeStats(summaries, { groupBy: 'name' })));
    const exported = await (await fetch(`${server.url}/api/export`)).text();
    const spans = readOtlpJson(exported).spans;
    for (const groupBy of ['kind', 'model'] as const) {
      const grouped = (await getJson<StatsResult>(server, `/api/stats?groupBy=${groupBy}`)).body;
      const expected = computeStats(spans, { groupBy });
      expect(grouped.count).toBe(expected.count);
      expect(rounded(grouped)).toEqual(rounded(expected));
    }
    // Filtered by trace, grouped by span: the spans of the matching traces only.
    const errorTraces = new Set(summaries.filter((t) => t.status === 'error').map((t) => t.traceId));
    const errorKinds = (await getJson<StatsResult>(server, '/api/stats?groupBy=kind&status=error')).body;
    const expectedKinds = computeStats(
      spans.filter((span) => errorTraces.has(span.traceId)),
      { groupBy: 'kind' },
    );
    expect(errorKinds.count).toBeGreaterThan(0);
    expect(rounded(errorKinds)).toEqual(rounded(expectedKinds));
    const windowed = (await getJson<StatsResult>(server, '/api/stats?since=2h')).body;
    expect(windowed.count).toBe(4);
    expect((await getJson(server, '/api/stats?groupBy=colour')).status).toBe(400);
  });

  it('GET /api/sessions', async () => {
    const { sessions, total } = (
      await getJson<{ sessions: SessionSummary[]; total: number }>(server, '/api/sessions')
    ).body;
    expect(total).toBe(2);
    const s1 = sessions.find((s) => s.sessionId === 's1');
    expect(s1).toMatchObject({
      traceCount: 2,
      errorCount: 1,
      users: ['alice', 'bob'],
      firstSeen: new Date(T).toISOString(),
    });
    expect(sessions.find((s) => s.sessionId === 's2')).toMatchObject({ traceCount: 1, users: ['alice'] });
    expect(sessions[0]?.sessionId).toBe('s2'); // most recently seen first
    const filtered = (await getJson<{ sessions: SessionSummary[] }>(server, '/api/sessions?user=bob')).body;
    expect(filtered.sessions.map((s) => s.sessionId)).toEqual(['s1']);
  });

  it('GET /api/analysis over a window', async () => {
    const analysis = (
      await getJson<{ traceCount: number; spanCount: number; errors: { count: number }[] }>(
        server,
        '/api/analysis?since=2h',
      )
    ).body;
    expect(analysis.traceCount).toBe(4);
    expect(analysis.spanCount).toBe(12);
    expect(analysis.errors.reduce((n, e) => n + e.count, 0)).toBe(2);
  });

  it('GET /api/export: OTLP-JSON lines that read back to the same spans', async () => {
    const one = await fetch(`${server.url}/api/export?traceId=${t1.traceId}&traceId=${t3.traceId}`);
    expect(one.headers.get('content-type')).toMatch(/ndjson/);
    const read = readOtlpJson(await one.text());
    expect(read.problems).toEqual([]);
    expect(read.spans.length).toBe(6);
    expect(new Set(read.spans.map((s) => s.traceId))).toEqual(new Set([t1.traceId, t3.traceId]));
    const byFilter = readOtlpJson(await (await fetch(`${server.url}/api/export?name=chat`)).text());
    expect(new Set(byFilter.spans.map((s) => s.traceId))).toEqual(new Set([t3.traceId, t5.traceId]));
    const everything = readOtlpJson(await (await fetch(`${server.url}/api/export`)).text());
    expect(everything.spans.length).toBe(15);
    const llm = everything.spans.find((s) => s.traceId === t1.traceId && s.name === 'llm');
    expect(llm?.attributes['gen_ai.usage.input_tokens']).toBe(100);
    expect(llm?.resource['service.name']).toBe('test-app');
    expect((await getJson(server, '/api/export?traceId=xyz')).status).toBe(400);
  });

  it('GET /health and the viewer', async () => {
    expect((await getJson(server, '/health')).body).toMatchObject({ ok: true, spans: 15, traces: 5 });
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/lazytrace/);
    expect((await getJson(server, '/api/nothing-here')).status).toBe(404);
  });

  it('refuses foreign Host headers (DNS rebinding) and foreign origins on writes; sends no CORS headers', async () => {
    const port = server.port;
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `192.168.1.10:${port}`,
      `localhost.evil.example:${port}`,
    ]) {
      const answer = await rawGet(server, '/api/traces', { host });
      expect(answer.status, host).toBe(403);
      expect(answer.body).not.toContain(t1.traceId);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await rawGet(server, '/api/traces', { host })).status, host).toBe(200);
    }
    const otlp = await rawGet(server, '/v1/traces', { host: `attacker.example:${port}` }, 'POST');
    expect(otlp.status).toBe(403);
    const cors = await rawGet(server, '/api/traces', {
      host: `localhost:${port}`,
      origin: 'https://evil.example',
    });
    expect(cors.status).toBe(200);
    expect(Object.keys(cors.headers).some((h) => h.startsWith('access-control-'))).toBe(false);
    const csrf = await fetch(`${server.url}/api/cleanup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ keepLast: 0 }),
    });
    expect(csrf.status).toBe(403);
    const textPlain = await fetch(`${server.url}/api/cleanup`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ keepLast: 0 }),
    });
    expect(textPlain.status).toBe(415);
    expect((await getJson<{ traces: number }>(server, '/health')).body.traces).toBe(5);
  });

  it('DELETE /api/traces/:id and POST /api/cleanup (run last: they change the data)', async () => {
    expect((await fetch(`${server.url}/api/traces/${t4.traceId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await getJson(server, `/api/traces/${t4.traceId}`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/traces/${t4.traceId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await getJson(server, '/health')).body).toMatchObject({ spans: 12, traces: 4 });
    const cleanup = (body: unknown) =>
      fetch(`${server.url}/api/cleanup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const bad of [{}, { olderThan: 'soon' }, { keepLast: -1 }])
      expect((await cleanup(bad)).status).toBe(400);
    const old = await cleanup({ olderThan: '7d' });
    expect(await old.json()).toEqual({ deleted: 1 });
    expect((await getJson(server, `/api/traces/${t5.traceId}`)).status).toBe(404);
    const keep = await cleanup({ olderThan: 0, keepLast: 2 });
    expect(await keep.json()).toEqual({ deleted: 1 });
    expect(ids(await list('')).sort()).toEqual([t3.traceId, t2.traceId].sort());
    const ms = await cleanup({ olderThan: 10 * 24 * HOUR });
    expect(await ms.json()).toEqual({ deleted: 0 });
  });
});

describe('binding', () => {
  it('refuses a non-loopback address without allowRemote', async () => {
    await expect(
      startServer({ host: '0.0.0.0', port: 0, db: ':memory:', files: [], log: null }),
    ).rejects.toThrow(/allowRemote/);
  });

  it('prints its URL on start', async () => {
    const lines: string[] = [];
    const server = await testServer({ log: (m) => lines.push(m) });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines.join('\n')).toContain(server.url);
    } finally {
      await server.close();
    }
  });
});

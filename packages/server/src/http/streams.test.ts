import type { TraceSummary } from '@lazytrace/traces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.js';
import { postJson, readSse, testServer } from '../testing/harness.js';
import { otlpRequest, ragTrace, type TraceSpec } from '../testing/otlp-fixtures.js';
import type { FlatSpan } from './streams.js';

const spanEvents = <E extends { event: string }>(events: E[]) => events.filter((e) => e.event === 'span');
const traceEvents = <E extends { event: string }>(events: E[]) => events.filter((e) => e.event === 'trace');

/**
 * The OTLP spans of one trace, and a request carrying only some of them: to post a trace in parts,
 * as an SDK exports it (children first, the root last).
 */
function exportedApart(trace: TraceSpec) {
  const request = otlpRequest([trace]) as {
    resourceSpans: { scopeSpans: { spans: unknown[] }[] }[];
  };
  const [resource] = request.resourceSpans;
  const scope = (list: unknown[]) => ({
    resourceSpans: [{ ...resource, scopeSpans: [{ ...resource?.scopeSpans[0], spans: list }] }],
  });
  return { spans: resource?.scopeSpans[0]?.spans ?? [], scope };
}

describe('SSE', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await testServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('GET /api/stream sends each stored span, then a trace event when the root arrives', async () => {
    const stream = readSse(`${server.url}/api/stream`);
    try {
      // Connected before anything is posted (the first bytes are the retry hint).
      await stream.ready;
      const t = ragTrace(Date.now() - 1000);
      const { spans, scope } = exportedApart(t);
      // Children first (as an SDK exports them: they end first), then the root.
      const [root, ...children] = spans;
      expect((await postJson(server, scope(children))).status).toBe(200);
      await stream.waitFor((e) => spanEvents(e).length === 2);
      expect(traceEvents(stream.events)).toEqual([]);
      expect((await postJson(server, scope([root]))).status).toBe(200);
      const events = await stream.waitFor((e) => traceEvents(e).length === 1);
      expect(events.map((e) => e.event)).toEqual(['span', 'span', 'span', 'trace']);
      const first = JSON.parse(events[0]?.data as string) as FlatSpan;
      expect(first).toMatchObject({ traceId: t.traceId, name: 'retriever', kind: 'retriever' });
      expect(first).not.toHaveProperty('children');
      const summary = JSON.parse(events[3]?.data as string) as TraceSummary;
      expect(summary).toMatchObject({ traceId: t.traceId, name: 'rag', spanCount: 3 });
      // Ids increase; the trace event is marked as such.
      const ids = events.map((e) => e.id as string);
      expect(Number(ids[1])).toBeGreaterThan(Number(ids[0]));
      expect(ids[3]).toBe(`${ids[2]}-trace`);
    } finally {
      await stream.close();
    }
  });

  it('resumes from Last-Event-ID with exactly the events missed', async () => {
    const first = readSse(`${server.url}/api/stream`);
    await first.ready;
    const a = ragTrace(Date.now() - 900);
    await postJson(server, otlpRequest([a]));
    const seen = await first.waitFor((e) => traceEvents(e).length === 1);
    const lastId = seen.at(-1)?.id as string;
    await first.close();
    // While disconnected: two more traces.
    const b = ragTrace(Date.now() - 800);
    const c = ragTrace(Date.now() - 700);
    await postJson(server, otlpRequest([b]));
    await postJson(server, otlpRequest([c]));
    const resumed = readSse(`${server.url}/api/stream`, { 'last-event-id': lastId });
    try {
      const events = await resumed.waitFor((e) => traceEvents(e).length === 2);
      const traceIds = new Set(spanEvents(events).map((e) => (JSON.parse(e.data) as FlatSpan).traceId));
      expect(traceIds).toEqual(new Set([b.traceId, c.traceId]));
      expect(spanEvents(events).length).toBe(6);
      // And live events go on after the replay, without repeats.
      const d = ragTrace(Date.now() - 600);
      await postJson(server, otlpRequest([d]));
      const after = await resumed.waitFor((e) => traceEvents(e).length === 3);
      expect(spanEvents(after).length).toBe(9);
      const ids = after.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await resumed.close();
    }
  });

  it('resuming from a root span id replays its trace event first', async () => {
    const live = readSse(`${server.url}/api/stream`);
    await live.ready;
    const t = ragTrace(Date.now() - 500);
    await postJson(server, otlpRequest([t]));
    const events = await live.waitFor((e) => traceEvents(e).length === 1);
    await live.close();
    const rootSpanEvent = events[events.findIndex((e) => e.event === 'trace') - 1];
    expect(rootSpanEvent?.event).toBe('span');
    const resumed = readSse(`${server.url}/api/stream`, { 'last-event-id': rootSpanEvent?.id as string });
    try {
      const replay = await resumed.waitFor((e) => e.length >= 1);
      expect(replay[0]?.event).toBe('trace');
      expect(JSON.parse(replay[0]?.data as string).traceId).toBe(t.traceId);
    } finally {
      await resumed.close();
    }
  });

  it('GET /api/traces/:id/stream replays the stored spans, follows the live ones and ends with the root', async () => {
    const t = ragTrace(Date.now() - 400);
    const { spans, scope } = exportedApart(t);
    const [root, retriever, llm] = spans;
    await postJson(server, scope([retriever]));
    // Another trace's spans must not show up on this stream.
    await postJson(server, otlpRequest([ragTrace(Date.now() - 300)]));
    const stream = readSse(`${server.url}/api/traces/${t.traceId}/stream`);
    await stream.waitFor((e) => spanEvents(e).length === 1);
    await postJson(server, scope([llm]));
    await stream.waitFor((e) => spanEvents(e).length === 2);
    await postJson(server, scope([root]));
    await stream.done;
    expect(stream.events.map((e) => e.event)).toEqual(['span', 'span', 'span', 'trace']);
    expect(spanEvents(stream.events).map((e) => (JSON.parse(e.data) as FlatSpan).name)).toEqual([
      'retriever',
      'llm',
      'rag',
    ]);
    // A finished trace: everything at once, then the stream ends.
    const again = readSse(`${server.url}/api/traces/${t.traceId}/stream`);
    await again.done;
    expect(again.events.map((e) => e.event)).toEqual(['span', 'span', 'span', 'trace']);
  });

  it('sends one trace event for a lazytrace root under an HTTP server span exported after it (live, resumed, per trace)', async () => {
    const start = Date.now() - 200;
    const t: TraceSpec = {
      startMs: start,
      spans: [
        { name: 'GET /chat', startMs: 0, durationMs: 50 },
        {
          name: 'chat',
          kind: 'flow',
          parent: 'GET /chat',
          startMs: 5,
          durationMs: 40,
          attributes: { 'lazytrace.root': true },
        },
        { name: 'llm', kind: 'llm', parent: 'chat', startMs: 10, durationMs: 30 },
      ],
    };
    const { spans, scope } = exportedApart(t);
    const [http, chat, llm] = spans;
    const live = readSse(`${server.url}/api/stream`);
    const perTrace = readSse(`${server.url}/api/traces/${t.traceId}/stream`);
    await Promise.all([live.ready, perTrace.ready]);
    try {
      // The SDK exports the children first (they end first), the HTTP server span last, apart.
      expect((await postJson(server, scope([llm, chat]))).status).toBe(200);
      await live.waitFor((e) => traceEvents(e).length === 1);
      expect((await postJson(server, scope([http]))).status).toBe(200);
      const ours = <E extends { data: string }>(events: E[]) =>
        events.filter((e) => (JSON.parse(e.data) as { traceId: string }).traceId === t.traceId);
      await live.waitFor((e) => spanEvents(ours(e)).length === 3);
      // Another trace after it: once its trace event is here, everything of ours was sent.
      await postJson(server, otlpRequest([ragTrace(Date.now() - 100)]));
      await live.waitFor((e) => traceEvents(e).length === 2);
      expect(ours(live.events).map((e) => e.event)).toEqual(['span', 'span', 'trace', 'span']);
      const summary = JSON.parse(traceEvents(ours(live.events))[0]?.data as string) as TraceSummary;
      expect(summary).toMatchObject({ traceId: t.traceId, name: 'chat', spanCount: 2 });
      await perTrace.done;
      expect(perTrace.events.map((e) => e.event)).toEqual(['span', 'span', 'trace']);

      // Resumed from before the trace: the same single trace event.
      const firstSpanId = Number(spanEvents(ours(live.events))[0]?.id) - 1;
      const resumed = readSse(`${server.url}/api/stream`, { 'last-event-id': String(firstSpanId) });
      try {
        await resumed.waitFor((e) => traceEvents(e).length === 2);
        expect(ours(resumed.events).map((e) => e.event)).toEqual(['span', 'span', 'trace', 'span']);
        expect(traceEvents(ours(resumed.events))[0]?.id).toBe(traceEvents(ours(live.events))[0]?.id);
      } finally {
        await resumed.close();
      }
      // The per-trace stream of the finished trace: all its spans, one trace event, the end.
      const again = readSse(`${server.url}/api/traces/${t.traceId}/stream`);
      await again.done;
      expect(again.events.map((e) => e.event)).toEqual(['span', 'span', 'span', 'trace']);
      expect(JSON.parse(traceEvents(again.events)[0]?.data as string)).toMatchObject({
        name: 'GET /chat',
        spanCount: 3,
      });
    } finally {
      await live.close();
      await perTrace.close();
    }
  });

  it('resumes from the lastEventId query parameter, and per trace from a span id or past the end', async () => {
    const t = ragTrace(Date.now() - 150);
    const { spans, scope } = exportedApart(t);
    const [root, retriever, llm] = spans;
    const live = readSse(`${server.url}/api/traces/${t.traceId}/stream`);
    await live.ready;
    await postJson(server, scope([retriever]));
    const [first] = await live.waitFor((e) => spanEvents(e).length === 1);
    await live.close();
    await postJson(server, scope([llm, root]));

    // EventSource cannot set headers on its first request: the query parameter does the same.
    const byQuery = readSse(`${server.url}/api/stream?lastEventId=${first?.id}`);
    try {
      const events = await byQuery.waitFor((e) => traceEvents(e).length === 1);
      expect(spanEvents(events).map((e) => (JSON.parse(e.data) as FlatSpan).name)).toEqual(['llm', 'rag']);
    } finally {
      await byQuery.close();
    }
    // The per-trace stream resumed after its first span: the rest, the trace event, the end.
    const rest = readSse(`${server.url}/api/traces/${t.traceId}/stream`, {
      'last-event-id': first?.id as string,
    });
    await rest.done;
    expect(rest.events.map((e) => e.event)).toEqual(['span', 'span', 'trace']);
    // Resumed after its trace event: nothing more, the stream ends.
    const past = readSse(`${server.url}/api/traces/${t.traceId}/stream`, {
      'last-event-id': traceEvents(rest.events)[0]?.id as string,
    });
    await past.done;
    expect(past.events).toEqual([]);
  });

  it('closes streams when the service stops', async () => {
    const own = await testServer();
    const stream = readSse(`${own.url}/api/stream`);
    await stream.ready;
    await own.close();
    await stream.done;
    expect(stream.ended).toBe(true);
  });
});

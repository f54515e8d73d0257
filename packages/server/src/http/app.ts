import { listValue } from '@duckdb/node-api';
import type { HttpBindings } from '@hono/node-server';
import {
  analyzeTrace,
  analyzeTraces,
  buildTrace,
  type SpanNode,
  type SpanRecord,
  toOtlpJsonLines,
  traceBreakdown,
} from '@lazytrace/traces';
import { Hono } from 'hono';
import { parseDuration } from '../duration.js';
import { receiveTraces } from '../otlp/receiver.js';
import type { IngestQueue } from '../store/ingest-queue.js';
import { decodeCursor, listSessions, listTraces, traceIds } from '../store/queries.js';
import { parseRecords, recordsQuery } from '../store/rows.js';
import { storeStats } from '../store/stats.js';
import type { TraceStore } from '../store/store.js';
import type { TailStatus } from '../tail/file-tailer.js';
import { VIEWER_MISSING_HTML, viewerFile } from '../viewer.js';
import { groupByParam, intParam, levelParam, normalizeTraceId, ParamError, traceFilter } from './params.js';
import { isForeignOrigin, isLoopbackHost } from './security.js';
import { registerSqlRoute } from './sql-route.js';
import type { SseChannel } from './sse.js';
import { type FlatSpan, openStream } from './streams.js';

export interface AppContext {
  store: TraceStore;
  queue: IngestQueue;
  maxBodyBytes: number;
  /** When false (the default), requests whose Host is not a loopback name are refused. */
  allowRemote: boolean;
  tails: () => TailStatus[];
  channels: Set<SseChannel>;
}

type Env = { Bindings: HttpBindings };

const ANALYSIS_DEFAULT_TRACES = 200;
const ANALYSIS_MAX_TRACES = 2_000;
const EXPORT_PAGE = 200;

async function spansOfTraces(store: TraceStore, ids: readonly string[]): Promise<Map<string, SpanRecord[]>> {
  const byTrace = new Map<string, SpanRecord[]>();
  if (ids.length === 0) return byTrace;
  const rows = await store.db.rows(recordsQuery('WHERE trace_id IN (SELECT unnest($1))'), [
    listValue([...ids]),
  ]);
  for (const id of ids) byTrace.set(id, []);
  for (const { span } of parseRecords(rows)) {
    byTrace.get(span.traceId)?.push(span);
  }
  return byTrace;
}

/** Depth-first over a built tree (and its orphans), then sorted by start: the flat span list. */
function flatten(root: SpanNode, orphans: readonly SpanNode[], traceId: string): FlatSpan[] {
  const out: FlatSpan[] = [];
  const visit = (node: SpanNode) => {
    const { children, ...rest } = node;
    out.push({ traceId, ...rest });
    for (const child of children) visit(child);
  };
  visit(root);
  for (const orphan of orphans) visit(orphan);
  return out.sort((a, b) => a.startMs - b.startMs || a.spanId.localeCompare(b.spanId));
}

/** The HTTP service: OTLP receiver, REST API, SSE, the viewer. */
export function createApp(ctx: AppContext): Hono<Env> {
  const { store, queue } = ctx;
  const app = new Hono<Env>();

  app.onError((error, c) => {
    if (error instanceof ParamError) return c.json({ error: error.message }, 400);
    return c.json({ error: `internal error: ${error.message}` }, 500);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  // DNS rebinding: a page whose host name was re-pointed at 127.0.0.1 still sends its own name.
  app.use('*', async (c, next) => {
    if (!ctx.allowRemote && !isLoopbackHost(c.req.header('host'))) {
      return c.json(
        {
          error:
            'this service answers only requests addressed to localhost, 127.0.0.1 or [::1] (Host header)',
        },
        403,
      );
    }
    // Cross-site writes from a browser page (a form or a no-cors fetch) carry a foreign Origin.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && isForeignOrigin(c.req.header('origin'))) {
      if (!ctx.allowRemote) return c.json({ error: 'cross-origin requests are not accepted' }, 403);
    }
    await next();
  });

  app.post('/v1/traces', async (c) => {
    const answer = await receiveTraces(c.env.incoming, queue, { maxBodyBytes: ctx.maxBodyBytes });
    if (answer === undefined) return c.body(null, 499 as 400);
    return c.body(answer.body as never, answer.status as 200, answer.headers);
  });

  app.get('/health', (c) =>
    c.json({ ok: true, ...store.counts, pendingSpans: queue.pendingSpans, files: ctx.tails() }),
  );

  app.get('/api/traces', async (c) => {
    const filter = traceFilter(
      (n) => c.req.query(n),
      (n) => c.req.queries(n),
    );
    const limit = intParam((n) => c.req.query(n), 'limit', 50, 1, 500);
    const rawCursor = c.req.query('cursor');
    const cursor = rawCursor === undefined || rawCursor === '' ? undefined : decodeCursor(rawCursor);
    if (rawCursor !== undefined && rawCursor !== '' && cursor === undefined) {
      throw new ParamError('cursor is not one this service returned');
    }
    return c.json(await listTraces(store, filter, limit, cursor));
  });

  const traceIdOf = (raw: string) => normalizeTraceId(raw);

  app.get('/api/traces/:id', async (c) => {
    const level = levelParam((n) => c.req.query(n));
    const id = traceIdOf(c.req.param('id'));
    const spans = id === undefined ? [] : await store.traceSpans(id);
    if (spans.length === 0) return c.json({ error: `no trace ${c.req.param('id')}` }, 404);
    return c.json(buildTrace(spans, level));
  });

  app.get('/api/traces/:id/events', async (c) => {
    const q = (n: string) => c.req.query(n);
    const level = levelParam(q);
    const limit = intParam(q, 'limit', 1000, 1, 10_000);
    const offset = intParam(q, 'offset', 0, 0);
    const kind = q('kind');
    const name = q('name');
    const status = q('status');
    if (status !== undefined && status !== 'ok' && status !== 'error' && status !== 'unset') {
      throw new ParamError(`status must be ok, error or unset, got "${status}"`);
    }
    const id = traceIdOf(c.req.param('id'));
    const spans = id === undefined ? [] : await store.traceSpans(id);
    if (spans.length === 0 || id === undefined)
      return c.json({ error: `no trace ${c.req.param('id')}` }, 404);
    const built = buildTrace(spans, level);
    const all = flatten(built.root, built.orphans, id).filter(
      (s) =>
        (kind === undefined || s.kind === kind) &&
        (name === undefined || s.name === name) &&
        (status === undefined || s.status === status),
    );
    return c.json({
      traceId: id,
      total: all.length,
      offset,
      limit,
      spans: all.slice(offset, offset + limit),
    });
  });

  app.get('/api/traces/:id/summary', async (c) => {
    const id = traceIdOf(c.req.param('id'));
    const spans = id === undefined ? [] : await store.traceSpans(id);
    if (spans.length === 0) return c.json({ error: `no trace ${c.req.param('id')}` }, 404);
    return c.json(traceBreakdown(spans));
  });

  app.get('/api/traces/:id/analysis', async (c) => {
    const id = traceIdOf(c.req.param('id'));
    const spans = id === undefined ? [] : await store.traceSpans(id);
    if (spans.length === 0) return c.json({ error: `no trace ${c.req.param('id')}` }, 404);
    const threshold = c.req.query('slowThresholdMs');
    const slowThresholdMs = threshold === undefined ? undefined : Number(threshold);
    if (slowThresholdMs !== undefined && !(slowThresholdMs >= 0))
      throw new ParamError('slowThresholdMs must be a number');
    return c.json(analyzeTrace(spans, slowThresholdMs === undefined ? {} : { slowThresholdMs }));
  });

  app.get('/api/traces/:id/stream', (c) => {
    const id = traceIdOf(c.req.param('id'));
    if (id === undefined) return c.json({ error: `no trace ${c.req.param('id')}` }, 404);
    return openStream({
      store,
      traceId: id,
      lastEventId: c.req.header('last-event-id') ?? c.req.query('lastEventId'),
      register: (channel) => {
        ctx.channels.add(channel);
        channel.onClose(() => ctx.channels.delete(channel));
      },
    });
  });

  app.delete('/api/traces/:id', async (c) => {
    const id = traceIdOf(c.req.param('id'));
    const deleted = id === undefined ? false : await store.deleteTrace(id);
    if (!deleted) return c.json({ error: `no trace ${c.req.param('id')}` }, 404);
    return c.body(null, 204);
  });

  app.get('/api/stats', async (c) => {
    const filter = traceFilter(
      (n) => c.req.query(n),
      (n) => c.req.queries(n),
    );
    return c.json(
      await storeStats(
        store,
        filter,
        groupByParam((n) => c.req.query(n)),
      ),
    );
  });

  app.get('/api/analysis', async (c) => {
    const q = (n: string) => c.req.query(n);
    const filter = traceFilter(q, (n) => c.req.queries(n));
    const limit = intParam(q, 'limit', ANALYSIS_DEFAULT_TRACES, 1, ANALYSIS_MAX_TRACES);
    const threshold = q('slowThresholdMs');
    const slowThresholdMs = threshold === undefined ? undefined : Number(threshold);
    if (slowThresholdMs !== undefined && !(slowThresholdMs >= 0))
      throw new ParamError('slowThresholdMs must be a number');
    const ids = await traceIds(store, filter, limit);
    const spans = await spansOfTraces(store, ids);
    const traces = [...spans.values()].filter((s) => s.length > 0);
    return c.json(analyzeTraces(traces, slowThresholdMs === undefined ? {} : { slowThresholdMs }));
  });

  app.get('/api/sessions', async (c) => {
    const q = (n: string) => c.req.query(n);
    const filter = traceFilter(q, (n) => c.req.queries(n));
    const limit = intParam(q, 'limit', 100, 1, 1000);
    const offset = intParam(q, 'offset', 0, 0);
    return c.json(await listSessions(store, filter, limit, offset));
  });

  app.get('/api/stream', (c) =>
    openStream({
      store,
      lastEventId: c.req.header('last-event-id') ?? c.req.query('lastEventId'),
      register: (channel) => {
        ctx.channels.add(channel);
        channel.onClose(() => ctx.channels.delete(channel));
      },
    }),
  );

  app.post('/api/cleanup', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/json')) {
      return c.json({ error: 'send the cleanup request as application/json' }, 415);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new ParamError('the body is not valid JSON');
    }
    const { olderThan, keepLast } = (body ?? {}) as { olderThan?: unknown; keepLast?: unknown };
    const olderThanMs = olderThan === undefined || olderThan === null ? undefined : parseDuration(olderThan);
    if (olderThan !== undefined && olderThan !== null && olderThanMs === undefined) {
      throw new ParamError('olderThan must be a duration ("7d", "12h", "30m") or milliseconds');
    }
    if (
      keepLast !== undefined &&
      keepLast !== null &&
      !(Number.isInteger(keepLast) && (keepLast as number) >= 0)
    ) {
      throw new ParamError('keepLast must be a whole number');
    }
    if (olderThanMs === undefined && (keepLast === undefined || keepLast === null)) {
      throw new ParamError('give olderThan, keepLast or both');
    }
    const deleted = await store.cleanup({
      olderThanMs,
      keepLast: keepLast === undefined || keepLast === null ? undefined : (keepLast as number),
    });
    return c.json({ deleted });
  });

  app.get('/api/export', async (c) => {
    const ids = (c.req.queries('traceId') ?? []).map((raw) => normalizeTraceId(raw));
    if (ids.some((id) => id === undefined)) throw new ParamError('traceId must be hexadecimal');
    const filter = traceFilter(
      (n) => c.req.query(n),
      (n) => c.req.queries(n),
    );
    const chosen = ids as string[];
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start: async (controller) => {
        try {
          const write = async (batch: string[]) => {
            const spans = await spansOfTraces(store, batch);
            const all = [...spans.values()].flat();
            if (all.length > 0) {
              const text = toOtlpJsonLines(all);
              controller.enqueue(encoder.encode(text.endsWith('\n') ? text : `${text}\n`));
            }
          };
          if (chosen.length > 0) {
            for (let i = 0; i < chosen.length; i += EXPORT_PAGE)
              await write(chosen.slice(i, i + EXPORT_PAGE));
          } else {
            let cursor: ReturnType<typeof decodeCursor>;
            for (;;) {
              const page = await listTraces(store, filter, EXPORT_PAGE, cursor);
              if (page.traces.length === 0) break;
              await write(page.traces.map((t) => t.traceId));
              if (page.nextCursor === null) break;
              cursor = decodeCursor(page.nextCursor);
            }
          }
          controller.close();
        } catch (error) {
          controller.error(error);
        }
      },
    });
    return new Response(stream, {
      status: 200,
      headers: {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': 'attachment; filename="lazytrace-export.jsonl"',
      },
    });
  });

  app.get('*', async (c) => {
    if (c.req.path.startsWith('/api/')) return c.json({ error: `no route for GET ${c.req.path}` }, 404);
    const file = await viewerFile(c.req.path);
    if (file !== undefined) return c.body(new Uint8Array(file.body), 200, { 'content-type': file.type });
    if (c.req.path === '/' || c.req.path === '/index.html') return c.html(VIEWER_MISSING_HTML);
    return c.json({ error: `not found: ${c.req.path}` }, 404);
  });

  registerSqlRoute(app, store);
  return app;
}

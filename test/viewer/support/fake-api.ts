import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import {
  analyzeTrace,
  buildTrace,
  computeStats,
  type DetailLevel,
  type SpanRecord,
  summarizeSessions,
  summarizeTrace,
  type TraceSummary,
} from '@lazytrace/traces';
import { viewerAssetsDir } from '../../../packages/viewer/src/index.js';

/**
 * A stand-in for @lazytrace/server while it is being built: the documented routes (DESIGN.md part
 * 2), answered with @lazytrace/traces' own shapes over real HTTP on 127.0.0.1, plus the built viewer
 * as static files. Only what the viewer reads is served.
 */
export interface FakeApi {
  url: string;
  add(spans: readonly SpanRecord[]): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

export async function startFakeApi(initial: readonly SpanRecord[] = []): Promise<FakeApi> {
  const spansByTrace = new Map<string, SpanRecord[]>();
  const summaries = new Map<string, TraceSummary>();
  const streams = new Set<ServerResponse>();
  let eventId = 0;

  const add = (spans: readonly SpanRecord[]) => {
    const touched = new Set<string>();
    for (const s of spans) {
      let list = spansByTrace.get(s.traceId);
      if (!list) {
        list = [];
        spansByTrace.set(s.traceId, list);
      }
      list.push(s);
      touched.add(s.traceId);
    }
    for (const id of touched) {
      const list = spansByTrace.get(id)!;
      const summary = summarizeTrace(list);
      summaries.set(id, summary);
      // The root ended: announce the trace, as the server's `event: trace` does.
      if (list.some((s) => !s.parentSpanId)) {
        eventId++;
        for (const res of streams)
          res.write(`id: ${eventId}\nevent: trace\ndata: ${JSON.stringify(summary)}\n\n`);
      }
    }
  };
  add(initial);

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const p = url.searchParams;
    const path = url.pathname;
    try {
      if (path === '/api/traces') {
        const num = (k: string) => (p.has(k) ? Number(p.get(k)) : undefined);
        const min = num('minDurationMs');
        const max = num('maxDurationMs');
        const q = p.get('q')?.toLowerCase();
        const list = [...summaries.values()]
          .filter(
            (t) =>
              (!p.get('status') || t.status === p.get('status')) &&
              (!p.get('name') || t.name.toLowerCase().includes(p.get('name')!.toLowerCase())) &&
              (!p.get('session') || t.sessionId === p.get('session')) &&
              (!p.get('user') || t.userId === p.get('user')) &&
              (!p.get('tag') || t.tags.includes(p.get('tag')!)) &&
              (min === undefined || t.durationMs >= min) &&
              (max === undefined || t.durationMs <= max) &&
              (!p.get('since') || t.startMs >= Date.parse(p.get('since')!)) &&
              (!p.get('until') || t.startMs <= Date.parse(p.get('until')!)) &&
              (!q || [t.name, t.input, t.output].some((v) => v?.toLowerCase().includes(q))),
          )
          .sort((a, b) => b.startMs - a.startMs);
        const limit = Math.min(500, Number(p.get('limit') ?? 100));
        const from = Number(p.get('cursor') ?? 0);
        const page = list.slice(from, from + limit);
        return json(res, 200, {
          traces: page,
          nextCursor: from + limit < list.length ? String(from + limit) : null,
        });
      }
      const m = /^\/api\/traces\/([0-9a-f]+)(\/analysis)?$/.exec(path);
      if (m) {
        const spans = spansByTrace.get(m[1]!);
        if (!spans) return json(res, 404, { error: 'trace not found' });
        if (m[2]) return json(res, 200, analyzeTrace(spans));
        return json(res, 200, buildTrace(spans, (p.get('level') as DetailLevel | null) ?? 'standard'));
      }
      if (path === '/api/stats') {
        const since = p.get('since') ? Date.parse(p.get('since')!) : -Infinity;
        const until = p.get('until') ? Date.parse(p.get('until')!) : Infinity;
        return json(
          res,
          200,
          computeStats([...summaries.values()].filter((t) => t.startMs >= since && t.startMs <= until)),
        );
      }
      if (path === '/api/sessions')
        return json(res, 200, { sessions: summarizeSessions([...summaries.values()]) });
      if (path === '/api/stream') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      const file = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
      const body = await readFile(join(viewerAssetsDir(), file));
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') return json(res, 404, { error: 'not found' });
      json(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    add,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

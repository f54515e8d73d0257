import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import type { SpanRecord } from '@lazytrace/traces';
import { removeDiscovery, writeDiscovery } from './discovery.js';
import { parseDuration } from './duration.js';
import { createApp } from './http/app.js';
import type { SseChannel } from './http/sse.js';
import { IdleCollector } from './idle-collector.js';
import { IngestQueue } from './store/ingest-queue.js';
import { DEFAULT_MAX_SPANS, TraceStore } from './store/store.js';
import { FileTailer } from './tail/file-tailer.js';

export const DEFAULT_PORT = 6007;
export const DEFAULT_DB = '.lazytrace/lazytrace.duckdb';
export const DEFAULT_FILE = '.lazytrace/traces.jsonl';
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

export interface ServerOptions {
  /** Default 6007; 0 picks a free port (read it from the result). */
  port?: number;
  /** Default 127.0.0.1. Anything else but a loopback address needs `allowRemote: true`. */
  host?: string;
  /**
   * Accept requests from other machines: binding a non-loopback address and any Host header.
   * The API has no authentication, so anyone who reaches the port reads and deletes traces.
   */
  allowRemote?: boolean;
  /** DuckDB file, or ':memory:'. Default `.lazytrace/lazytrace.duckdb`. */
  db?: string;
  /**
   * OTLP-JSON lines files to import and follow. Default: `LAZYTRACE_FILE` or
   * `.lazytrace/traces.jsonl` (followed even before it exists). `[]` for none.
   */
  files?: readonly string[];
  /** Whole traces, oldest first, are dropped beyond this many spans. Default 1,000,000. */
  maxSpans?: number;
  /** Traces older than this are dropped: `'7d'`, `'12h'`, or milliseconds. Default: kept. */
  retention?: string | number;
  /** Largest OTLP body accepted (after decompression), bytes. Default 20 MB. */
  maxBodyBytes?: number;
  /** DuckDB's memory limit (its page cache; larger work spills to disk). Default '128MB'. */
  memoryLimit?: string;
  /** File poll interval, ms (fs.watch reports most changes sooner). Default 250. */
  pollMs?: number;
  /**
   * Run a V8 garbage collection once the service is quiet after heavy work, and between requests
   * under sustained work (idle-collector.ts: the heap otherwise keeps 100+ MB of garbage). The
   * heap is the whole process's: an application embedding the service may pass `false` to leave
   * its collections to V8 alone. Default true.
   */
  collectGarbageWhenIdle?: boolean;
  /** Where start-up messages go (the URL, warnings). Default: console.error. `null` for silence. */
  log?: ((message: string) => void) | null;
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT` (the host as bound). */
  url: string;
  port: number;
  host: string;
  store: TraceStore;
  /** Waits until everything received so far (OTLP and files) is stored. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const LOOPBACK_BIND = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The local trace service: store, OTLP/HTTP receiver, file tail, REST API, SSE, the viewer. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log === null ? () => {} : (options.log ?? ((m: string) => console.error(m)));
  const host = options.host ?? '127.0.0.1';
  const allowRemote = options.allowRemote === true;
  if (!LOOPBACK_BIND.has(host) && !allowRemote) {
    throw new Error(
      `refusing to listen on ${host}: the trace API has no authentication. ` +
        'Pass allowRemote: true (--allow-remote) to accept connections from other machines.',
    );
  }
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`port must be 0..65535, got ${port}`);
  let retentionMs: number | undefined;
  if (options.retention !== undefined) {
    retentionMs = parseDuration(options.retention);
    if (retentionMs === undefined || retentionMs <= 0) {
      throw new TypeError(
        `retention must be a duration like "7d" or milliseconds, got ${String(options.retention)}`,
      );
    }
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const store = await TraceStore.open({
    db: options.db ?? DEFAULT_DB,
    maxSpans: options.maxSpans ?? DEFAULT_MAX_SPANS,
    retentionMs,
    memoryLimit: options.memoryLimit,
  });
  const queue = new IngestQueue(store);
  // V8's garbage from bursts of work goes back once the service is quiet (idle-collector.ts).
  const collector = new IdleCollector(options.collectGarbageWhenIdle !== false);
  store.onCommitted(() => collector.touch());
  const channels = new Set<SseChannel>();
  const tails: FileTailer[] = [];
  let closing = false;

  // A file's spans are stored before the tail reads on; a failing store is retried, not skipped.
  const sink = async (spans: SpanRecord[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await queue.submit(spans, { wait: true });
      } catch (error) {
        if (closing) throw error;
        if (attempt === 0)
          log(`lazytrace: storing spans from a file failed (${(error as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  };

  let server: ReturnType<typeof serve> | undefined;
  let retentionTimer: NodeJS.Timeout | undefined;
  try {
    if (retentionMs !== undefined) {
      // Applied once the start-up import is done too (below): the files may hold expired spans.
      await store.applyRetention();
      const every = Math.max(1000, Math.min(60_000, retentionMs / 10));
      retentionTimer = setInterval(() => void store.applyRetention().catch(() => undefined), every);
      retentionTimer.unref();
    }

    const files = options.files ?? [process.env.LAZYTRACE_FILE || DEFAULT_FILE];
    // Where the last run stopped reading each file: spans deleted since must not come back.
    const positions = await store.filePositions();
    for (const file of files) {
      const path = resolve(file);
      const tailer = new FileTailer(path, sink, {
        pollMs: options.pollMs,
        resumeAt: positions.get(path),
        onStored: (position) => store.saveFilePosition(path, position),
        onProblem: (path, problem) => {
          if (problem.kind !== 'torn-line')
            log(`lazytrace: ${path}:${problem.line ?? '?'}: ${problem.message}`);
        },
      });
      tails.push(tailer);
    }
    for (const tailer of tails) {
      if (existsSync(tailer.path)) log(`lazytrace: importing ${tailer.path}`);
      await tailer.start();
    }
    if (retentionMs !== undefined && tails.length > 0) await store.applyRetention();

    const app = createApp({
      store,
      queue,
      maxBodyBytes,
      allowRemote,
      tails: () => tails.map((t) => t.status),
      channels,
    });
    const listening = await new Promise<AddressInfo>((resolve, reject) => {
      const s = serve(
        {
          fetch: async (request: Request, env: Parameters<typeof app.fetch>[1]) => {
            collector.touch();
            try {
              return await app.fetch(request, env);
            } finally {
              collector.touch();
            }
          },
          port,
          hostname: host === '[::1]' ? '::1' : host,
          overrideGlobalObjects: false,
        },
        (info) => resolve(info),
      );
      s.once('error', reject);
      server = s;
    });
    server?.on('error', (error) => log(`lazytrace: server error: ${error.message}`));
    if (server !== undefined && 'requestTimeout' in server) {
      // A client that opens a request and never finishes it holds a socket at most this long.
      (server as { requestTimeout: number }).requestTimeout = 60_000;
    }
    const shownHost = listening.family === 'IPv6' ? `[${listening.address}]` : listening.address;
    const url = `http://${shownHost}:${listening.port}`;
    if (allowRemote && !LOOPBACK_BIND.has(host)) {
      log(
        `lazytrace: WARNING: listening on ${host}: anyone who can reach port ${listening.port} can read and delete your traces (no authentication).`,
      );
    }
    log(`lazytrace: trace service at ${url} (OTLP/HTTP: ${url}/v1/traces)`);
    // Beside the database: how `lazytrace sql` reaches this service while it holds the file.
    const db = options.db ?? DEFAULT_DB;
    const discoveryDb = db === ':memory:' ? undefined : store.db.path;
    if (discoveryDb !== undefined) {
      try {
        writeDiscovery(discoveryDb, url);
      } catch (error) {
        log(`lazytrace: cannot write ${discoveryDb}.serve.json (${(error as Error).message})`);
      }
    }

    const running: RunningServer = {
      url,
      port: listening.port,
      host,
      store,
      async flush() {
        for (const tailer of tails) await tailer.check();
        await queue.flush();
        await store.idle();
      },
      async close() {
        if (closing) return;
        closing = true;
        collector.stop();
        if (discoveryDb !== undefined) removeDiscovery(discoveryDb);
        clearInterval(retentionTimer);
        for (const channel of channels) channel.close();
        await Promise.all(tails.map((t) => t.stop()));
        await new Promise<void>((resolve) => {
          if (server === undefined) return resolve();
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await queue.flush();
        await store.close();
      },
    };
    return running;
  } catch (error) {
    closing = true;
    collector.stop();
    clearInterval(retentionTimer);
    await Promise.all(tails.map((t) => t.stop()));
    server?.close();
    await store.close();
    throw error;
  }
}

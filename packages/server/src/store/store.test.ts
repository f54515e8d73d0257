import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromOtlpRequest, type TraceSummary } from '@lazytrace/traces';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../open-store.js';
import { startServer } from '../server.js';
import { eventually, getJson, postJson, readSse, testServer } from '../testing/harness.js';
import { otlpRequest, ragTrace } from '../testing/otlp-fixtures.js';
import { StoreLockedError } from './database.js';
import { TraceStore } from './store.js';

const DAY = 86_400_000;

describe('limits', () => {
  it('maxSpans drops whole traces, oldest first', async () => {
    const server = await testServer({ maxSpans: 10 });
    try {
      const traces = Array.from({ length: 5 }, (_, i) => ragTrace(Date.now() - (10 - i) * 1000));
      for (const t of traces) expect((await postJson(server, otlpRequest([t]))).status).toBe(200);
      const { body } = await getJson<{ spans: number; traces: number }>(server, '/health');
      expect(body).toMatchObject({ spans: 9, traces: 3 });
      const listed = (await getJson<{ traces: TraceSummary[] }>(server, '/api/traces')).body.traces;
      expect(listed.map((t) => t.traceId)).toEqual([traces[4], traces[3], traces[2]].map((t) => t?.traceId));
      // An old trace arriving late is the oldest: it goes at once.
      const late = ragTrace(Date.now() - 100 * 1000);
      expect((await postJson(server, otlpRequest([late]))).status).toBe(200);
      expect((await getJson(server, `/api/traces/${late.traceId}`)).status).toBe(404);
      expect((await getJson<{ spans: number }>(server, '/health')).body.spans).toBe(9);
    } finally {
      await server.close();
    }
  });

  it('retention drops traces older than the window, at start and as time passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-retention-'));
    const db = join(dir, 'store.duckdb');
    try {
      const old = ragTrace(Date.now() - 9 * DAY);
      const recent = ragTrace(Date.now() - 1 * DAY);
      const first = await testServer({ db });
      await postJson(first, otlpRequest([old, recent]));
      expect((await getJson<{ traces: number }>(first, '/health')).body.traces).toBe(2);
      await first.close();
      const second = await testServer({ db, retention: '7d' });
      try {
        expect((await getJson(second, `/api/traces/${old.traceId}`)).status).toBe(404);
        expect((await getJson(second, `/api/traces/${recent.traceId}`)).status).toBe(200);
        // Arriving later, already outside the window: gone at the next retention pass.
        const stale = ragTrace(Date.now() - 8 * DAY);
        await postJson(second, otlpRequest([stale]));
        expect(await second.store.applyRetention()).toBe(1);
        expect((await getJson<{ traces: number }>(second, '/health')).body.traces).toBe(1);
      } finally {
        await second.close();
      }
      await expect(testServer({ db, retention: 'a week' })).rejects.toThrow(/retention/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a database file', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lazytrace-db-'));
  });
  afterEach(() => {
    child?.kill();
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps traces across restarts; re-importing stores nothing twice; event ids keep growing', async () => {
    const db = join(dir, 'nested', 'store.duckdb');
    const t = ragTrace(Date.now() - 1000);
    const first = await testServer({ db });
    const stream = readSse(`${first.url}/api/stream`);
    await stream.ready;
    await postJson(first, otlpRequest([t]));
    const seen = await stream.waitFor((e) => e.some((x) => x.event === 'trace'));
    const lastId = Number(seen.filter((e) => e.event === 'span').at(-1)?.id);
    await stream.close();
    await first.close();

    const second = await testServer({ db });
    try {
      expect((await getJson(second, `/api/traces/${t.traceId}`)).status).toBe(200);
      await postJson(second, otlpRequest([t]));
      expect((await getJson<{ spans: number }>(second, '/health')).body.spans).toBe(3);
      const live = readSse(`${second.url}/api/stream`);
      await live.ready;
      await postJson(second, otlpRequest([ragTrace(Date.now())]));
      const events = await live.waitFor((e) => e.some((x) => x.event === 'trace'));
      expect(Number(events[0]?.id)).toBeGreaterThan(lastId);
      await live.close();
    } finally {
      await second.close();
    }
  });

  it('held by another process: a clear error at start-up', async () => {
    const db = join(dir, 'locked.duckdb');
    // Another process opens the same file (as a second `lazytrace serve` would) and holds it.
    const duckdb = createRequire(import.meta.url).resolve('@duckdb/node-api');
    const script = `
      const { DuckDBInstance } = require(${JSON.stringify(duckdb)});
      DuckDBInstance.create(${JSON.stringify(db)}).then(async (db) => {
        globalThis.held = [db, await db.connect()]; // referenced: never collected, never unlocked
        console.log('ready');
        setTimeout(() => {}, 60000);
      });
    `;
    child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve();
      });
      child?.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
    });
    const error = await startServer({ db, port: 0, files: [], log: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as Error).message).toContain(db);
    expect((error as Error).message).toMatch(/in use by another process \(PID \d+\)/);
    await expect(openStore({ db })).rejects.toBeInstanceOf(StoreLockedError);
    child.kill();
    await new Promise((r) => child?.once('exit', r));
    child = undefined;
    // Released: it opens.
    const server = await testServer({ db });
    await server.close();
  });

  it('openStore: read-only SQL over the spans table', async () => {
    const db = join(dir, 'sql.duckdb');
    const server = await testServer({ db });
    await postJson(
      server,
      otlpRequest([ragTrace(Date.now() - 2000), ragTrace(Date.now() - 1000, { error: true })]),
    );
    await server.close();
    const store = await openStore({ db });
    try {
      const result = await store.query(
        'SELECT kind, count(*) AS n, sum(input_tokens) AS tokens FROM spans GROUP BY kind ORDER BY kind',
      );
      expect(result.columns.map((c) => c.name)).toEqual(['kind', 'n', 'tokens']);
      expect(result.rows).toEqual([
        { kind: 'flow', n: '2', tokens: null },
        { kind: 'llm', n: '2', tokens: '200' },
        { kind: 'retriever', n: '2', tokens: null },
      ]);
      const errors = await store.query(
        "SELECT name, status_message FROM spans WHERE status = 'error' ORDER BY name",
      );
      expect(errors.rows).toEqual([
        { name: 'llm', status_message: 'rate limited 429' },
        { name: 'rag', status_message: 'upstream failed' },
      ]);
      await expect(store.query('DELETE FROM spans')).rejects.toThrow(/read-only/i);
    } finally {
      store.close();
    }
  });
});

describe('checkpoints', () => {
  it('writes a burst of ingest to the database file once ingest pauses (the WAL empties)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-ckpt-'));
    const file = join(dir, 'traces.duckdb');
    const store = await TraceStore.open({ db: file });
    try {
      const traces = Array.from({ length: 20 }, (_, i) => ragTrace(Date.now() - 1000 + i));
      expect(await store.ingest(fromOtlpRequest(otlpRequest(traces)))).toBe(60);
      // Committed to the WAL only: far below DuckDB's own checkpoint threshold.
      expect(walSize(file)).toBeGreaterThan(0);
      await eventually(() => (walSize(file) === 0 ? true : undefined));
      expect(store.counts).toEqual({ spans: 60, traces: 20 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function walSize(file: string): number {
  try {
    return statSync(`${file}.wal`).size;
  } catch {
    return 0;
  }
}

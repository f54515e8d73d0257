import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServeDiscovery } from '../discovery.js';
import type { RunningServer } from '../server.js';
import { postJson, testServer } from '../testing/harness.js';
import { otlpRequest, ragTrace } from '../testing/otlp-fixtures.js';
import { registerSqlRoute, SQL_MAX_ROWS } from './sql-route.js';

describe('POST /api/sql and the discovery file', () => {
  let dir: string;
  let db: string;
  let server: RunningServer;
  const sql = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazytrace-sql-'));
    db = join(dir, 'store.duckdb');
    server = await testServer({ db });
    expect((await postJson(server, otlpRequest([ragTrace(Date.now() - 60_000)]))).status).toBe(200);
    await server.flush();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the service announces itself beside its database, with its url and pid', () => {
    const written = JSON.parse(readFileSync(`${db}.serve.json`, 'utf8')) as { url: string; pid: number };
    expect(written).toMatchObject({ url: server.url, pid: process.pid });
    expect(readServeDiscovery(db)).toMatchObject({ url: server.url, pid: process.pid });
  });

  it('answers one reading statement with columns and rows, capped on request', async () => {
    const counted = await sql({ sql: 'SELECT count(DISTINCT trace_id) AS traces FROM spans' });
    expect(counted.status).toBe(200);
    const body = (await counted.json()) as { columns: { name: string }[]; rows: { traces: unknown }[] };
    expect(body.columns.map((c) => c.name)).toEqual(['traces']);
    expect(Number(body.rows[0]!.traces)).toBe(1);

    const capped = (await (await sql({ sql: 'SELECT * FROM range(10)', maxRows: 3 })).json()) as {
      rows: unknown[];
      truncated: boolean;
    };
    expect(capped.rows).toHaveLength(3);
    expect(capped.truncated).toBe(true);
    const whole = (await (await sql({ sql: 'SELECT * FROM range(10)', maxRows: 10 })).json()) as {
      rows: unknown[];
      truncated: boolean;
    };
    expect(whole).toMatchObject({ truncated: false });
    expect(whole.rows).toHaveLength(10);
    const most = (await (await sql({ sql: `SELECT * FROM range(${SQL_MAX_ROWS + 5})` })).json()) as {
      rows: unknown[];
      truncated: boolean;
    };
    expect(most.rows).toHaveLength(SQL_MAX_ROWS);
    expect(most.truncated).toBe(true);
    for (const reading of [
      'DESCRIBE spans',
      'SHOW TABLES',
      'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
      'EXPLAIN SELECT 1',
    ]) {
      expect((await sql({ sql: reading })).status, reading).toBe(200);
    }
  });

  it('refuses writes, several statements, and cross-site requests; what it refused changed nothing', async () => {
    for (const statement of [
      'DELETE FROM spans',
      'DROP TABLE spans',
      'CREATE TABLE x (a INTEGER)',
      'SELECT 1; DELETE FROM spans',
      "COPY spans TO '/dev/null'",
      'PRAGMA disable_checkpoint_on_shutdown',
      "ATTACH ':memory:' AS other",
      'SET threads = 1',
    ]) {
      const refused = await sql({ sql: statement });
      expect(refused.status, statement).toBe(403);
    }
    // Runs (it is an EXPLAIN), inside the transaction that is rolled back.
    expect((await sql({ sql: 'EXPLAIN ANALYZE DELETE FROM spans' })).status).toBe(200);
    expect((await sql({ sql: 'SELECT 1' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await sql({ nope: 1 })).status).toBe(400);
    expect((await sql({ sql: 'SELEKT 1' })).status).toBe(400);
    const left = (await (await sql({ sql: 'SELECT count(*) AS n FROM spans' })).json()) as {
      rows: { n: unknown }[];
    };
    expect(Number(left.rows[0]!.n)).toBe(server.store.counts.spans);
    expect(Number(left.rows[0]!.n)).toBeGreaterThan(0);
  });

  it('answers SQL to a peer on this machine only, whatever the bind (a SELECT can read files)', async () => {
    const app = new Hono<{ Bindings: HttpBindings }>();
    registerSqlRoute(app, server.store);
    const from = (remoteAddress: string, localAddress = '192.168.1.5') =>
      app.request(
        '/api/sql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sql: 'SELECT 1 AS one' }),
        },
        { incoming: { socket: { remoteAddress, localAddress } } },
      );
    // Bound to a LAN address and asked from the same host: the peer is this machine's address.
    expect((await from('192.168.1.5')).status).toBe(200);
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1'])
      expect((await from(peer)).status, peer).toBe(200);
    for (const peer of ['192.168.1.20', '::ffff:10.0.0.1', 'fe80::1']) {
      const refused = await from(peer);
      expect(refused.status, peer).toBe(403);
      expect(((await refused.json()) as { error: string }).error).toContain('this machine');
    }
  });

  it('the discovery file goes with the service', async () => {
    await server.close();
    expect(existsSync(`${db}.serve.json`)).toBe(false);
    expect(readServeDiscovery(db)).toBeUndefined();
  });
});

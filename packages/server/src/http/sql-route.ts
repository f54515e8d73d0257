import type { DuckDBConnection } from '@duckdb/node-api';
import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import type { TraceStore } from '../store/store.js';
import { isSameMachinePeer } from './security.js';

/** Rows answered at most (the answer says `truncated`); a caller may ask for fewer. */
export const SQL_MAX_ROWS = 10_000;
/** A statement running longer is interrupted (DuckDB's own interrupt) and answered 408. */
export const SQL_TIMEOUT_MS = 30_000;

// DuckDB's statement types (duckdb.h). DESCRIBE and SHOW are rewritten to SELECT by DuckDB.
const SELECT = 1;
const EXPLAIN = 4;
const READING = new Set([SELECT, EXPLAIN]);

class SqlRefused extends Error {}

/**
 * `POST /api/sql` `{ "sql": "SELECT …", "maxRows"?: n }` → `{ columns, rows, truncated }`: what
 * `lazytrace sql` uses while `lazytrace serve` holds the database (DuckDB lets one process open a
 * file). Read-only three ways: exactly one statement, of type SELECT (DESCRIBE, SHOW) or EXPLAIN;
 * run inside a transaction that is always rolled back (EXPLAIN ANALYZE executes what it explains);
 * on a connection of its own, one statement at a time. Rows and time are capped. POST, so the
 * app's foreign-Origin check applies (a cross-site page cannot make the browser send it). Only
 * for a peer on this machine, even with `allowRemote`: a SELECT can read any file the service can
 * (`read_text('/etc/passwd')`), which the trace API otherwise never exposes.
 */
export function registerSqlRoute(app: Hono<{ Bindings: HttpBindings }>, store: TraceStore): void {
  let connection: Promise<DuckDBConnection> | undefined;
  let chain: Promise<unknown> = Promise.resolve();

  const run = async (sql: string, maxRows: number) => {
    connection ??= store.db.connect();
    const conn = await connection;
    const extracted = await conn.extractStatements(sql);
    if (extracted.count !== 1) {
      throw new SqlRefused(`one statement at a time (got ${extracted.count})`);
    }
    const prepared = await extracted.prepare(0);
    if (!READING.has(prepared.statementType)) {
      throw new SqlRefused('only reading statements are run here: SELECT, WITH, DESCRIBE, SHOW, EXPLAIN');
    }
    await conn.run('BEGIN TRANSACTION');
    const timer = setTimeout(() => conn.interrupt(), SQL_TIMEOUT_MS);
    try {
      const reader = await prepared.runAndReadUntil(maxRows + 1);
      const columns = reader.columnNames().map((name, i) => ({ name, type: String(reader.columnType(i)) }));
      const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
      const truncated = rows.length > maxRows;
      return { columns, rows: truncated ? rows.slice(0, maxRows) : rows, truncated };
    } finally {
      clearTimeout(timer);
      await conn.run('ROLLBACK').catch(() => undefined);
    }
  };

  app.post('/api/sql', async (c) => {
    if (!isSameMachinePeer(c.env.incoming.socket)) {
      return c.json({ error: 'SQL is answered only to a client on this machine' }, 403);
    }
    let body: { sql?: unknown; maxRows?: unknown };
    try {
      body = (await c.req.json()) as typeof body;
    } catch {
      return c.json({ error: 'send JSON: { "sql": "SELECT …" }' }, 400);
    }
    if (typeof body?.sql !== 'string' || body.sql.trim() === '') {
      return c.json({ error: 'send JSON: { "sql": "SELECT …" }' }, 400);
    }
    const asked =
      typeof body.maxRows === 'number' && body.maxRows >= 1 ? Math.floor(body.maxRows) : SQL_MAX_ROWS;
    const maxRows = Math.min(asked, SQL_MAX_ROWS);
    const sql = body.sql;
    const result = chain.then(() => run(sql, maxRows));
    chain = result.catch(() => undefined);
    try {
      return c.json(await result);
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof SqlRefused) return c.json({ error: message }, 403);
      if (/interrupt/i.test(message)) {
        return c.json(
          { error: `the statement ran longer than ${SQL_TIMEOUT_MS / 1000}s and was stopped` },
          408,
        );
      }
      return c.json({ error: message }, 400);
    }
  });
}

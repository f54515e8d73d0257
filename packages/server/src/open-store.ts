import { Database } from './store/database.js';
import { SPAN_COLUMNS } from './store/schema.js';

export interface SqlResult {
  columns: { name: string; type: string }[];
  /** Rows as objects, values JSON-friendly (BIGINT beyond 2^53 and DECIMAL as strings, timestamps as ISO-like text). */
  rows: Record<string, unknown>[];
}

export interface StoreHandle {
  /** The database file (absolute) or ':memory:'. */
  readonly path: string;
  /** Runs one SQL statement; in read-only mode DuckDB refuses anything that writes. */
  query(sql: string): Promise<SqlResult>;
  close(): void;
}

/**
 * Opens the service's database for SQL (`lazytrace sql`). With `readOnly` (the default) DuckDB
 * opens the file in READ_ONLY access mode: any INSERT, UPDATE, DELETE or DDL fails. DuckDB allows
 * one writing process per file, so while `lazytrace serve` runs on it this throws StoreLockedError.
 */
export async function openStore(options: { db?: string; readOnly?: boolean } = {}): Promise<StoreHandle> {
  const db = await Database.open(options.db ?? '.lazytrace/lazytrace.duckdb', options.readOnly ?? true);
  return {
    path: db.path,
    async query(sql: string): Promise<SqlResult> {
      const reader = await db.writer.runAndReadAll(sql);
      const columns = reader.columnNames().map((name, i) => ({ name, type: String(reader.columnType(i)) }));
      return { columns, rows: reader.getRowObjectsJson() as Record<string, unknown>[] };
    },
    close: () => db.close(),
  };
}

/** Column names of the public `spans` table, in order. */
export const SPANS_TABLE_COLUMNS: readonly string[] = SPAN_COLUMNS;

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

/** The database file is held by another process (DuckDB allows one writer process per file). */
export class StoreLockedError extends Error {
  readonly path: string;
  constructor(path: string, cause: Error) {
    const pid = /PID (\d+)/.exec(cause.message)?.[1];
    super(
      `the trace database ${path} is in use by another process${pid === undefined ? '' : ` (PID ${pid})`}` +
        ' — probably another `lazytrace serve`. Stop it, or pass a different --db (or --db :memory:).',
      { cause },
    );
    this.name = 'StoreLockedError';
    this.path = path;
  }
}

export type Row = unknown[];

const READ_CONNECTIONS = 3;

/**
 * One DuckDB instance with a connection for writes (used by one writer at a time, see the store's
 * write chain) and a few for reads, handed out round-robin: DuckDB runs queries on its own threads,
 * so readers never block the event loop nor wait behind an ingest.
 */
export class Database {
  readonly path: string;
  private readonly instance: DuckDBInstance;
  readonly writer: DuckDBConnection;
  private readonly readers: DuckDBConnection[];
  private next = 0;
  private readonly extra: DuckDBConnection[] = [];
  private closed = false;

  private constructor(
    path: string,
    instance: DuckDBInstance,
    writer: DuckDBConnection,
    readers: DuckDBConnection[],
  ) {
    this.path = path;
    this.instance = instance;
    this.writer = writer;
    this.readers = readers;
  }

  static async open(path: string, readOnly = false, memoryLimit?: string): Promise<Database> {
    const memory = path === ':memory:';
    const file = memory ? path : resolve(path);
    if (!memory && !readOnly) mkdirSync(dirname(file), { recursive: true });
    let instance: DuckDBInstance;
    try {
      const config: Record<string, string> = {};
      if (readOnly && !memory) config.access_mode = 'READ_ONLY';
      // DuckDB caches up to 80% of RAM by default; a development service should stay small.
      if (memoryLimit !== undefined) config.memory_limit = memoryLimit;
      // DuckDB checkpoints (rewrites and compresses the changed row groups) whenever the WAL
      // passes 16 MB: with ~1 KB spans that was every few ingest batches, and took most of an
      // import's time. Checkpointing every 256 MB of WAL costs far less per span stored (64 MB:
      // 5.0-5.3 s of CPU for the 100k-span import instead of 3.5-3.6 s). Until a checkpoint the
      // rows stay in DuckDB's memory, which the memory limit bounds (past it they spill to temp
      // files); the store also checkpoints once ingest pauses (TraceStore.scheduleCheckpoint).
      if (!readOnly) config.checkpoint_threshold = '256MB';
      // Memory given back, not kept (docs/performance.md "Trace service", measured on the service
      // alone at 1M spans: 688 MB RSS after ingest with DuckDB's defaults, 381 MB with these):
      // DuckDB keeps freed buffer memory for reuse until a flush; flush past 16 MB, from its own
      // background thread rather than in the query's.
      config.allocator_flush_threshold = '16MB';
      config.allocator_background_threads = 'true';
      // Inserts and scans need not keep rows in arrival order (every query says ORDER BY where
      // order matters), which spares DuckDB buffering rows to restore it.
      config.preserve_insertion_order = 'false';
      // One thread per core by default: each holds its own buffers and malloc arena. Two keep the
      // queries parallel and the memory of a development service small on a many-core machine.
      config.threads = '2';
      instance = await DuckDBInstance.create(file, config);
    } catch (error) {
      const err = error as Error;
      if (/lock/i.test(err.message)) throw new StoreLockedError(file, err);
      throw new Error(`cannot open the trace database ${file}: ${err.message}`, { cause: err });
    }
    const writer = await instance.connect();
    const readers: DuckDBConnection[] = [];
    for (let i = 0; i < READ_CONNECTIONS; i++) readers.push(await instance.connect());
    return new Database(file, instance, writer, readers);
  }

  /** A connection of one's own (the SQL route's: its transactions must not mix with others'). */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('the trace store is closed');
    const connection = await this.instance.connect();
    this.extra.push(connection);
    return connection;
  }

  private reader(): DuckDBConnection {
    if (this.closed) throw new Error('the trace store is closed');
    const connection = this.readers[this.next];
    this.next = (this.next + 1) % this.readers.length;
    return connection as DuckDBConnection;
  }

  /** Rows as arrays (column order of the SELECT), from a read connection. */
  async rows(sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.reader().runAndReadAll(sql, params);
    return reader.getRows() as Row[];
  }

  /** Rows as objects with JSON-friendly values (bigints as numbers when safe). */
  async objects(sql: string, params: DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
    const reader = await this.reader().runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  async write(sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.writer.runAndReadAll(sql, params);
    return reader.getRows() as Row[];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const connection of [this.writer, ...this.readers, ...this.extra]) connection.closeSync();
    this.instance.closeSync();
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listValue } from '@duckdb/node-api';
import { type SpanRecord, summarizeTrace, type TraceSummary } from '@lazytrace/traces';
import type { FilePosition } from '../tail/file-tailer.js';
import { Database, type Row } from './database.js';
import {
  insertSpansFromFile,
  insertTracesFromFile,
  objectSizeFor,
  parseRecords,
  recordsQuery,
  spanRowLine,
  traceRowLine,
} from './rows.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { TraceOrder } from './trace-order.js';

export interface StoredSpan {
  /** Ingest order; the SSE event id. */
  seq: number;
  span: SpanRecord;
}

export interface CommittedTrace {
  /** The seq of the root span whose arrival ended the trace (once per trace). */
  seq: number;
  summary: TraceSummary;
}

/** What one committed ingest batch added: new spans in seq order, traces that ended with it. */
export interface Committed {
  spans: StoredSpan[];
  traces: CommittedTrace[];
}

export interface StoreOptions {
  /** A file path or ':memory:'. */
  db: string;
  /** Open without writing (DuckDB's READ_ONLY access mode): for `lazytrace sql`. */
  readOnly?: boolean;
  /** Whole traces, oldest first, are dropped beyond this many spans. Default 1,000,000. */
  maxSpans?: number;
  /** Traces that started longer ago than this (ms) are dropped. Default: kept. */
  retentionMs?: number;
  /** DuckDB's memory limit (its cache; bigger work spills to disk). Default '128MB'. */
  memoryLimit?: string;
}

export const DEFAULT_MAX_SPANS = 1_000_000;

/**
 * DuckDB's memory (page cache, rows not yet checkpointed, query state); beyond it DuckDB spills to
 * temp files. The stats queries over 1M spans need ~50 MB of it, while an ingest burst and its
 * checkpoint take all they may: at 256 MB the service's peak passed 600 MB at 1M spans, at 160 MB
 * it still reached 607 MB in one run
 * (docs/performance.md "Trace service").
 */
const DEFAULT_MEMORY_LIMIT = '128MB';

const CHECKPOINT_AFTER_IDLE_MS = 1000;

/** A root: no parent, or lazytrace's own root mark (a lazytrace root under a foreign parent). */
export function isRootSpan(span: SpanRecord): boolean {
  return (
    span.parentSpanId === undefined || span.parentSpanId === '' || span.attributes['lazytrace.root'] === true
  );
}

const idsParam = (ids: Iterable<string>) => listValue([...ids]);

/**
 * The trace store over DuckDB. Every write (ingest batches, deletes, cleanup, limits) goes
 * through one promise chain on the write connection, so writes never interleave; reads use their
 * own connections and see committed data only.
 */
export class TraceStore {
  readonly db: Database;
  readonly maxSpans: number;
  readonly retentionMs: number | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private nextSeq = 1;
  private spanTotal = 0;
  private traceTotal = 0;
  private listeners = new Set<(committed: Committed) => void>();
  private closed = false;
  /** Every trace's (start, id), sorted: the unfiltered list without a query. */
  private readonly order = new TraceOrder();
  /** Where each batch's rows are written for DuckDB's read_json (removed at close). */
  private scratch: string | undefined;
  /** The checkpoint run once ingest has been quiet for a while (see scheduleCheckpoint). */
  private checkpointTimer: NodeJS.Timeout | undefined;

  private constructor(db: Database, options: StoreOptions) {
    this.db = db;
    this.maxSpans = options.maxSpans ?? DEFAULT_MAX_SPANS;
    this.retentionMs = options.retentionMs;
  }

  static async open(options: StoreOptions): Promise<TraceStore> {
    if (options.maxSpans !== undefined && !(Number.isInteger(options.maxSpans) && options.maxSpans > 0)) {
      throw new TypeError(`maxSpans must be a positive integer, got ${String(options.maxSpans)}`);
    }
    const db = await Database.open(options.db, options.readOnly, options.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
    const store = new TraceStore(db, options);
    try {
      if (!options.readOnly) {
        await db.writer.run(SCHEMA_SQL);
        await db.writer.run(`INSERT OR IGNORE INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}')`);
      }
      await store.loadCounters();
    } catch (error) {
      db.close();
      throw error;
    }
    return store;
  }

  private async loadCounters(): Promise<void> {
    const [row] = await this.db.rows(
      `SELECT (SELECT count(*) FROM spans)::INTEGER, (SELECT count(*) FROM traces)::INTEGER,
              (SELECT coalesce(max(seq), 0) FROM spans)::BIGINT,
              (SELECT max(CAST(value AS BIGINT)) FROM meta WHERE key = 'next_seq')`,
    );
    this.spanTotal = Number(row?.[0] ?? 0);
    this.traceTotal = Number(row?.[1] ?? 0);
    const maxSeq = Number(row?.[2] ?? 0);
    const saved = row?.[3] === null || row?.[3] === undefined ? 0 : Number(row[3]);
    // Never reuse an id a client may hold as Last-Event-ID, even after its span was deleted.
    this.nextSeq = Math.max(maxSeq + 1, saved);
    for (const [traceId, startMs] of await this.db.rows('SELECT trace_id, start_ms FROM traces')) {
      this.order.set(traceId as string, startMs as number);
    }
  }

  get counts(): { spans: number; traces: number } {
    return { spans: this.spanTotal, traces: this.traceTotal };
  }

  /** The id the next stored span gets; SSE clients resume from ids below it. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  onCommitted(listener: (committed: Committed) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.closed) throw new Error('the trace store is closed');
      return work();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Stores a batch: spans already stored (same trace and span id) are skipped, so re-reading a
   * file or a retried OTLP request stores nothing twice. Resolves once committed, with the number
   * of spans newly stored.
   */
  ingest(spans: readonly SpanRecord[]): Promise<number> {
    return this.serialize(async () => {
      const committed = await this.commitBatch(spans);
      if (committed === undefined) return 0;
      if (this.spanTotal > this.maxSpans) await this.enforceMaxSpans();
      this.scheduleCheckpoint();
      for (const listener of this.listeners) {
        try {
          listener(committed);
        } catch {
          // A listener's failure (a closed SSE socket) is not the ingest's.
        }
      }
      return committed.spans.length;
    });
  }

  private async commitBatch(input: readonly SpanRecord[]): Promise<Committed | undefined> {
    const unique = new Map<string, SpanRecord>();
    for (const span of input) {
      const key = `${span.traceId}:${span.spanId}`;
      if (!unique.has(key)) unique.set(key, span);
    }
    if (unique.size === 0) return undefined;
    const traceIds = new Set<string>();
    for (const span of unique.values()) traceIds.add(span.traceId);

    // Traces that already have spans: read them back (their summary is recomputed from all
    // spans) and drop what is already stored.
    const existing = new Map<string, SpanRecord[]>();
    /** The first root-like span (lowest seq) each known trace already has. */
    const existingRootSeq = new Map<string, number>();
    // The in-memory order holds exactly the stored trace ids: no query for the common case of
    // batches of new traces.
    const known = [...traceIds].filter((id) => this.order.has(id));
    if (known.length > 0) {
      const rows = await this.db.write(recordsQuery('WHERE trace_id IN (SELECT unnest($1))', 'seq'), [
        idsParam(known),
      ]);
      for (const { seq, span } of parseRecords(rows)) {
        unique.delete(`${span.traceId}:${span.spanId}`);
        const list = existing.get(span.traceId);
        if (list === undefined) existing.set(span.traceId, [span]);
        else list.push(span);
        if (isRootSpan(span) && !existingRootSeq.has(span.traceId)) existingRootSeq.set(span.traceId, seq);
      }
    }
    if (unique.size === 0) return undefined;

    const added: StoredSpan[] = [];
    const byTrace = new Map<string, StoredSpan[]>();
    let seq = this.nextSeq;
    for (const span of unique.values()) {
      const stored = { seq: seq++, span };
      added.push(stored);
      const list = byTrace.get(span.traceId);
      if (list === undefined) byTrace.set(span.traceId, [stored]);
      else list.push(stored);
    }

    // A trace ends once, with the first root-like span that reaches the store: a lazytrace root
    // under an exported HTTP server span and that server span are two, and a trace event is sent
    // for the first only (DESIGN.md: `event: trace` when a trace's root ends).
    const summaries: { summary: TraceSummary; lastSeq: number; rootSeq?: number; endedNow: boolean }[] = [];
    for (const [traceId, fresh] of byTrace) {
      const before = existing.get(traceId) ?? [];
      const all = before.length === 0 ? fresh.map((s) => s.span) : [...before, ...fresh.map((s) => s.span)];
      const summary = summarizeTrace(all);
      const earlier = existingRootSeq.get(traceId);
      const rootSeq = earlier ?? fresh.find((s) => isRootSpan(s.span))?.seq;
      summaries.push({
        summary,
        lastSeq: (fresh.at(-1) as StoredSpan).seq,
        rootSeq,
        endedNow: earlier === undefined && rootSeq !== undefined,
      });
    }

    const w = this.db.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      this.scratch ??= mkdtempSync(join(tmpdir(), 'lazytrace-ingest-'));
      const rowsFile = join(this.scratch, 'batch.jsonl');
      const spanLines = added.map(({ seq: s, span }) => spanRowLine(s, span));
      await writeFile(rowsFile, spanLines.join('\n'));
      await w.run(insertSpansFromFile(objectSizeFor(longest(spanLines))), [rowsFile]);
      // Only the rows of traces that gained spans are rewritten: a known trace whose spans in this
      // batch were all stored already (a file read again, an OTLP retry) keeps its row untouched.
      const updated = [...byTrace.keys()].filter((id) => existing.has(id));
      if (updated.length > 0) {
        await w.run('DELETE FROM traces WHERE trace_id IN (SELECT unnest($1))', [idsParam(updated)]);
      }
      const tracesFile = join(this.scratch, 'traces.jsonl');
      const traceLines = summaries.map(({ summary, lastSeq, rootSeq }) =>
        traceRowLine(summary, rootSeq !== undefined, lastSeq, rootSeq),
      );
      await writeFile(tracesFile, traceLines.join('\n'));
      await w.run(insertTracesFromFile(objectSizeFor(longest(traceLines))), [tracesFile]);
      await w.run(`INSERT OR REPLACE INTO meta VALUES ('next_seq', '${seq}')`);
      await w.run('COMMIT');
    } catch (error) {
      await w.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.nextSeq = seq;
    for (const { summary } of summaries) this.order.set(summary.traceId, summary.startMs);
    this.spanTotal += added.length;
    this.traceTotal += byTrace.size - [...byTrace.keys()].filter((id) => existing.has(id)).length;
    const traces: CommittedTrace[] = [];
    for (const s of summaries) if (s.endedNow) traces.push({ seq: s.rootSeq as number, summary: s.summary });
    return { spans: added, traces };
  }

  /**
   * DuckDB checkpoints on its own only every 256 MB of WAL (database.ts: cheap ingest), and until
   * then the committed rows stay in memory. Once ingest has paused for a second, checkpoint:
   * a burst's rows go to the file and the service's memory comes back down between bursts.
   */
  private scheduleCheckpoint(): void {
    if (this.db.path === ':memory:') return;
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      if (this.closed) return;
      void this.serialize(() => this.db.writer.run('CHECKPOINT')).catch(() => undefined);
    }, CHECKPOINT_AFTER_IDLE_MS);
    this.checkpointTimer.unref();
  }

  /** Drops whole traces, oldest first, until at most maxSpans spans remain. */
  private async enforceMaxSpans(): Promise<void> {
    await this.deleteWhere(
      `SELECT trace_id FROM (
         SELECT trace_id, sum(span_count) OVER (ORDER BY start_ms DESC, trace_id DESC
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS kept
         FROM traces) WHERE kept > $1`,
      [this.maxSpans],
    );
  }

  /** Deletes the traces (with their spans) whose ids the query selects. Returns how many. */
  private async deleteWhere(selectIds: string, params: (string | number)[]): Promise<number> {
    const w = this.db.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      await w.run(`CREATE OR REPLACE TEMP TABLE doomed AS ${selectIds}`, params);
      const counted = await w.runAndReadAll(
        'SELECT count(*)::INTEGER, coalesce(sum(span_count), 0)::INTEGER FROM traces WHERE trace_id IN (SELECT trace_id FROM doomed)',
      );
      const [traceCount, spanCount] = (counted.getRows()[0] ?? [0, 0]) as number[];
      if (traceCount === 0) {
        await w.run('DROP TABLE doomed');
        await w.run('COMMIT');
        return 0;
      }
      const doomed = (await w.runAndReadAll('SELECT trace_id FROM doomed')).getRows();
      await w.run('DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM doomed)');
      await w.run('DELETE FROM traces WHERE trace_id IN (SELECT trace_id FROM doomed)');
      await w.run('DROP TABLE doomed');
      await w.run('COMMIT');
      for (const [traceId] of doomed) this.order.delete(traceId as string);
      this.traceTotal -= traceCount as number;
      this.spanTotal -= spanCount as number;
      return traceCount as number;
    } catch (error) {
      await w.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  deleteTrace(traceId: string): Promise<boolean> {
    return this.serialize(
      async () => (await this.deleteWhere('SELECT trace_id FROM traces WHERE trace_id = $1', [traceId])) > 0,
    );
  }

  /**
   * Deletes traces that started more than `olderThanMs` ago, and/or all but the newest
   * `keepLast`; with both, a trace goes when it is old and not among the newest `keepLast`.
   */
  cleanup(options: { olderThanMs?: number; keepLast?: number; now?: number }): Promise<number> {
    const { olderThanMs, keepLast } = options;
    if (olderThanMs === undefined && keepLast === undefined) return Promise.resolve(0);
    const cutoff =
      olderThanMs === undefined ? Number.POSITIVE_INFINITY : (options.now ?? Date.now()) - olderThanMs;
    return this.serialize(() =>
      this.deleteWhere(
        `SELECT trace_id FROM (
           SELECT trace_id, start_ms, row_number() OVER (ORDER BY start_ms DESC, trace_id DESC) AS rank FROM traces)
         WHERE start_ms < $1 AND rank > $2`,
        [Number.isFinite(cutoff) ? cutoff : 8.64e15, keepLast ?? 0],
      ),
    );
  }

  /** Applies the retention window now (the service calls this on a timer). */
  applyRetention(now = Date.now()): Promise<number> {
    if (this.retentionMs === undefined) return Promise.resolve(0);
    return this.cleanup({ olderThanMs: this.retentionMs, now });
  }

  /** Waits for every write queued so far. */
  async idle(): Promise<void> {
    await this.chain;
  }

  /** Up to `count` trace ids, newest first (by start, then id), older than the cursor if given. */
  newestTraceIds(count: number, after?: { startMs: number; traceId: string }): string[] {
    return this.order.newest(count, after);
  }

  /** One trace's spans in start order, or an empty array. */
  async traceSpans(traceId: string): Promise<SpanRecord[]> {
    // Unordered in SQL (sorting 10,000 long strings there costs more than sorting records here).
    const rows = await this.db.rows(recordsQuery('WHERE trace_id = $1', null), [traceId]);
    return parseRecords(rows)
      .sort((a, b) => a.span.startMs - b.span.startMs || a.seq - b.seq)
      .map((r) => r.span);
  }

  /** Stored spans with seq above `afterSeq`, in seq order (SSE resume). */
  async spansAfter(afterSeq: number, limit: number, traceId?: string): Promise<StoredSpan[]> {
    const rows = await this.db.rows(
      recordsQuery(`WHERE seq > $1 ${traceId === undefined ? '' : 'AND trace_id = $2'}`, 'seq', limit),
      traceId === undefined ? [afterSeq] : [afterSeq, traceId],
    );
    return parseRecords(rows);
  }

  /**
   * The stored summary of one trace, or undefined. `rootSeq`: the span whose arrival ended it
   * (null for a trace stored before the store recorded it: any root-like span then counts).
   */
  async traceSummary(
    traceId: string,
  ): Promise<{ summary: TraceSummary; rootEnded: boolean; rootSeq: number | null } | undefined> {
    const [row] = await this.db.rows(
      'SELECT CAST(summary AS VARCHAR), root_ended, root_seq FROM traces WHERE trace_id = $1',
      [traceId],
    );
    if (row === undefined) return undefined;
    return {
      summary: JSON.parse(row[0] as string),
      rootEnded: row[1] as boolean,
      rootSeq: row[2] === null ? null : Number(row[2]),
    };
  }

  /** Where each followed file was stored up to, by path (FileTailer's resumeAt). */
  async filePositions(): Promise<Map<string, FilePosition>> {
    const rows = await this.db.rows('SELECT path, bytes_read, lines_read, fingerprint FROM file_positions');
    return new Map(
      rows.map(([path, offset, line, fingerprint]) => [
        path as string,
        {
          offset: Number(offset),
          line: Number(line),
          fingerprint: Buffer.from(fingerprint as string, 'base64'),
        },
      ]),
    );
  }

  /** Records how far a followed file is stored (after its spans are committed). */
  saveFilePosition(path: string, position: FilePosition): Promise<void> {
    return this.serialize(async () => {
      await this.db.write('INSERT OR REPLACE INTO file_positions VALUES ($1, $2, $3, $4)', [
        path,
        position.offset,
        position.line,
        position.fingerprint.toString('base64'),
      ]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.checkpointTimer);
    await this.chain;
    this.closed = true;
    this.db.close();
    if (this.scratch !== undefined) rmSync(this.scratch, { recursive: true, force: true });
  }
}

function longest(lines: readonly string[]): number {
  let max = 0;
  for (const line of lines) if (line.length > max) max = line.length;
  return max;
}

export type { Row };

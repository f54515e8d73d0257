import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parseOtlpJsonLine, type ReadProblem, type SpanRecord } from '@lazytrace/traces';

/**
 * How far a file was read and stored: the byte offset just after the last complete line stored,
 * the number of lines up to there, and the bytes just before that offset (up to 4 KB) to tell,
 * on the next start, the same file grown from one rewritten, truncated or replaced.
 */
export interface FilePosition {
  offset: number;
  line: number;
  fingerprint: Buffer;
}

export interface TailOptions {
  /**
   * Where a previous run of the service stopped reading this path: reading resumes there when the
   * file at the path still holds the same bytes before it (else it is read from its start).
   */
  resumeAt?: FilePosition;
  /** Called after each pass that stored more of the file, with the new position (to persist it). */
  onStored?: (position: FilePosition) => Promise<unknown> | undefined;
  /** Stat interval, the fallback when fs.watch misses an event (network drives, some editors). Default 250 ms. */
  pollMs?: number;
  /** Spans handed to the sink at once. Default 10,000 (the ingest queue's transaction size). */
  batchSize?: number;
  onProblem?: (path: string, problem: ReadProblem) => void;
}

export interface TailStatus {
  path: string;
  /** Whether the file exists now. */
  present: boolean;
  /** Bytes of the current file read so far. */
  offset: number;
  spans: number;
  problems: number;
}

const CHUNK = 4 * 1024 * 1024;
/** Bytes before the read position remembered to notice a file rewritten in place to a similar size. */
const FINGERPRINT = 4096;
const NEWLINE = 0x0a;

/**
 * Imports an OTLP-JSON lines file and follows it as it grows, like `tail -F`:
 * - appends are read as they land (fs.watch on the directory, plus a short stat poll);
 * - a line without its newline yet is held back until it is complete (a writer mid-append);
 * - truncation (size below what was read) starts over from the beginning;
 * - rotation (a new file at the path) finishes reading the old file through the open handle, then
 *   reads the new one from its start; deletion waits for the file to come back.
 * Spans read twice (after a truncation that rewrote the same lines) are dropped by the store.
 */
export class FileTailer {
  readonly path: string;
  private readonly sink: (spans: SpanRecord[]) => Promise<unknown>;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly onProblem?: (path: string, problem: ReadProblem) => void;
  private readonly onStored?: (position: FilePosition) => Promise<unknown> | undefined;
  /** Consumed by the first open of the file (a later file at the path is a new one). */
  private resumeAt: FilePosition | undefined;
  /** The stored offset last reported to onStored. */
  private reportedOffset = -1;
  private handle: FileHandle | undefined;
  private ino: number | undefined;
  private offset = 0;
  private lineNumber = 0;
  private partial: Buffer = Buffer.alloc(0);
  /** The last bytes read (up to FINGERPRINT), to tell a rewritten file from a grown one. */
  private fingerprint: Buffer = Buffer.alloc(0);
  private present = false;
  private spanCount = 0;
  private problemCount = 0;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Spans parsed and not yet handed to the sink (carried across read chunks). */
  private batch: SpanRecord[] = [];
  /** The batch the sink is storing while the next is parsed. */
  private inFlight: Promise<unknown> | undefined;

  constructor(path: string, sink: (spans: SpanRecord[]) => Promise<unknown>, options: TailOptions = {}) {
    this.path = resolve(path);
    this.sink = sink;
    this.pollMs = options.pollMs ?? 250;
    this.batchSize = options.batchSize ?? 10_000;
    this.onProblem = options.onProblem;
    this.onStored = options.onStored;
    this.resumeAt = options.resumeAt;
  }

  /** Reads what the file holds now (resolves when it is stored), then keeps following it. */
  async start(): Promise<void> {
    await this.check();
    if (this.stopped) return;
    this.watch();
    this.timer = setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
  }

  get status(): TailStatus {
    return {
      path: this.path,
      present: this.present,
      offset: this.offset,
      spans: this.spanCount,
      problems: this.problemCount,
    };
  }

  private watch(): void {
    if (this.watcher !== undefined || this.stopped) return;
    try {
      const name = basename(this.path);
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, filename) => {
        if (filename === null || filename === name) void this.check();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // The directory does not exist yet: the poll notices the file, and watch() is retried then.
      this.watcher = undefined;
    }
  }

  /** One pass; concurrent triggers coalesce into at most one more pass. */
  check(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch {
        // A read error (the file vanished mid-read): the next pass starts from what stat says.
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(this.path);
    } catch {
      // Deleted (or never created): read what the old file still had, then wait for a new one.
      this.present = false;
      await this.finishOld();
      return;
    }
    this.present = true;
    if (this.watcher === undefined) this.watch();
    if (this.handle !== undefined && info.ino !== this.ino) {
      // Rotated: a new file took the path. The old handle still reads the old file to its end.
      await this.finishOld();
    }
    if (this.handle === undefined) {
      this.handle = await open(this.path, 'r');
      const opened = await this.handle.stat();
      this.ino = opened.ino;
      this.offset = 0;
      this.lineNumber = 0;
      this.partial = Buffer.alloc(0);
      this.reportedOffset = -1;
      await this.resume(opened.size);
    }
    const size = (await this.handle.stat()).size;
    if (size < this.offset || !(await this.unchangedBeforeOffset())) {
      // Truncated (or copy-truncate rotation, or rewritten in place): start over; the store
      // drops the spans it already has.
      this.offset = 0;
      this.lineNumber = 0;
      this.partial = Buffer.alloc(0);
      this.fingerprint = Buffer.alloc(0);
      this.reportedOffset = -1;
    }
    await this.readToEnd();
    await this.reportStored();
  }

  /**
   * A restarted service goes on where the last one stopped, so spans deleted since (by the API,
   * cleanup, retention or the span limit) are not imported again: only when the file still has
   * the bytes that were read just before that position. Otherwise (rotated, truncated, rewritten
   * while the service was down) it is read from its start, and the store drops what it already has.
   */
  private async resume(size: number): Promise<void> {
    const at = this.resumeAt;
    this.resumeAt = undefined;
    if (at === undefined || at.offset <= 0 || at.offset > size || this.handle === undefined) return;
    const length = at.fingerprint.length;
    const now = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(now, 0, length, at.offset - length);
    if (bytesRead !== length || !now.equals(at.fingerprint)) return;
    this.offset = at.offset;
    this.lineNumber = at.line;
    this.fingerprint = Buffer.from(at.fingerprint);
  }

  /** Tells onStored how far the current file is stored: through its last complete line. */
  private async reportStored(): Promise<void> {
    const handle = this.handle;
    if (this.onStored === undefined || handle === undefined || this.stopped) return;
    const offset = this.offset - this.partial.length;
    if (offset === this.reportedOffset) return;
    const length = Math.min(FINGERPRINT, offset);
    const fingerprint = Buffer.alloc(length);
    const { bytesRead } = await handle.read(fingerprint, 0, length, offset - length);
    if (bytesRead !== length) return;
    // The line count excludes the held-back partial line (it has no newline yet).
    await this.onStored({ offset, line: this.lineNumber, fingerprint });
    this.reportedOffset = offset;
  }

  /** Whether the bytes just before the read position are still those we read there. */
  private async unchangedBeforeOffset(): Promise<boolean> {
    const handle = this.handle;
    const length = this.fingerprint.length;
    if (handle === undefined || length === 0) return true;
    const now = Buffer.alloc(length);
    const { bytesRead } = await handle.read(now, 0, length, this.offset - length);
    return bytesRead === length && now.equals(this.fingerprint);
  }

  private async finishOld(): Promise<void> {
    if (this.handle === undefined) return;
    try {
      await this.readToEnd();
      // The last line of a file that is gone will never get its newline: read it as it is.
      if (this.partial.length > 0) {
        await this.emitLines([this.partial]);
        await this.settle();
      }
    } finally {
      this.partial = Buffer.alloc(0);
      await this.handle.close().catch(() => undefined);
      this.handle = undefined;
      this.ino = undefined;
      this.offset = 0;
      this.fingerprint = Buffer.alloc(0);
    }
  }

  private async readToEnd(): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) return;
    const buffer = Buffer.allocUnsafe(CHUNK);
    try {
      await this.readChunks(handle, buffer);
    } finally {
      // Everything read is stored before this pass ends (flush() and the tests rely on it).
      await this.settle();
    }
  }

  private async readChunks(handle: FileHandle, buffer: Buffer): Promise<void> {
    while (!this.stopped) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      this.remember(buffer.subarray(0, bytesRead));
      const data =
        this.partial.length > 0
          ? Buffer.concat([this.partial, buffer.subarray(0, bytesRead)])
          : buffer.subarray(0, bytesRead);
      const lastNewline = data.lastIndexOf(NEWLINE);
      if (lastNewline === -1) {
        this.partial = Buffer.from(data);
        continue;
      }
      const complete = data.subarray(0, lastNewline);
      this.partial = Buffer.from(data.subarray(lastNewline + 1));
      await this.emitLines(splitLines(complete));
    }
  }

  private remember(read: Buffer): void {
    this.fingerprint =
      read.length >= FINGERPRINT
        ? Buffer.from(read.subarray(read.length - FINGERPRINT))
        : Buffer.concat([this.fingerprint, read]).subarray(-FINGERPRINT);
  }

  /**
   * Parses lines into the current batch, handing it to the sink whenever it is full; one batch
   * is stored while the next is parsed, across read chunks (a 4 MB chunk of big OTLP lines holds
   * fewer spans than a batch). settle() sends the rest.
   */
  private async emitLines(lines: Buffer[]): Promise<void> {
    for (const line of lines) {
      this.lineNumber++;
      const text = line.toString('utf8').trim();
      if (text === '') continue;
      const { spans, problem } = parseOtlpJsonLine(text, this.lineNumber);
      if (problem !== undefined) {
        this.problemCount++;
        this.onProblem?.(this.path, problem);
      }
      for (const span of spans) this.batch.push(span);
      if (this.batch.length >= this.batchSize) {
        await this.inFlight;
        this.inFlight = this.sink(this.batch);
        this.spanCount += this.batch.length;
        this.batch = [];
      }
    }
  }

  /** Waits for the batch in flight, then stores what is left. */
  private async settle(): Promise<void> {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    await inFlight;
    if (this.batch.length > 0) {
      const batch = this.batch;
      this.batch = [];
      await this.sink(batch);
      this.spanCount += batch.length;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}

function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = data.indexOf(NEWLINE, start);
    if (end === -1) {
      lines.push(data.subarray(start));
      return lines;
    }
    lines.push(data.subarray(start, end));
    start = end + 1;
  }
}

import {
  close as closeFd,
  constants,
  existsSync,
  fstat,
  fstatSync,
  ftruncate,
  mkdir,
  mkdirSync,
  open,
  stat,
  write,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { logWarning } from '@lazytrace/core';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { type OtlpJsonText, otlpJsonText, otlpJsonTextLength, writeOtlpJsonText } from './otlp-json.js';

export interface FileBackendOptions {
  /** Where the lines go. Default `LAZYTRACE_FILE`, else `.lazytrace/traces.jsonl`. */
  readonly path?: string;
  /**
   * Longest a finished span waits before it is written, in ms. Default 200: the file backend is
   * the development default and `lazytrace serve` tails the file live.
   */
  readonly flushIntervalMs?: number;
}

export const DEFAULT_FILE_FLUSH_INTERVAL_MS = 200;

const pOpen = promisify(open);
const pMkdir = promisify(mkdir);
const pStat = promisify(stat);
const pFstat = promisify(fstat);
const pFtruncate = promisify(ftruncate);
const pClose = promisify(closeFd);
const pWrite = (fd: number, bytes: Uint8Array): Promise<number> =>
  new Promise((resolve, reject) =>
    write(fd, bytes, 0, bytes.byteLength, null, (error, bytesWritten) =>
      error ? reject(error) : resolve(bytesWritten),
    ),
  );

const NEWLINE = 0x0a;
/**
 * Lines are encoded into one buffer kept across batches (writes are one at a time): no buffer
 * allocated, zero-filled and paged in per batch. A line longer than this gets a buffer of its own,
 * so an unusual batch does not pin its size in memory.
 */
const KEPT_BUFFER_MAX = 8 * 1024 * 1024;
/**
 * `O_NONBLOCK`: opening a FIFO nobody reads fails at once (ENXIO) instead of blocking a thread
 * of the pool forever (and the process with it); it changes nothing for a regular file.
 */
const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK;
/** A pipe whose reader is slow: retried for this long, then the export fails. */
const BUSY_RETRY_MS = 2_000;

/** An error already reported to the user: the stats count it without logging it again. */
function reported(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { reported: true });
}

/**
 * Appends one OTLP/JSON `ExportTraceServiceRequest` per line to a local file: the same bytes an
 * OTLP/HTTP JSON exporter would send, so any OTLP tool can read the file back.
 * - The file stays open across batches (one `write` per batch, nothing re-opened); each batch is
 *   serialized straight to its line (`otlp-json.ts`) and encoded into a buffer kept across batches.
 * - Writes are asynchronous and in order; nothing blocks the event loop (a FIFO with no reader
 *   fails the export instead of freezing the process).
 * - Lines are whole: a write that fails half-way (a full disk) is cut back to where the line
 *   began, or, when that is impossible, the next line starts on a line of its own. The failed
 *   export is counted as such.
 * - `forceFlush()` and `shutdown()` wait for the writes, so `await shutdownTracing()` before
 *   `process.exit()` leaves every line on disk.
 */
export class FileSpanExporter implements SpanExporter {
  readonly path: string;
  private fd: number | undefined;
  /** Serialized lines waiting for the write in progress to end. */
  private waiting: { line: OtlpJsonText; resultCallback: (result: ExportResult) => void }[] = [];
  private writing: Promise<void> | undefined;
  private stopped = false;
  /** A partial line could not be removed: the next line must start on a line of its own. */
  private needsNewline = false;
  private buffer = Buffer.alloc(0);
  private warned = new Set<string>();

  constructor(path: string) {
    this.path = resolve(path);
    try {
      for (const dir of missingDirectories(dirname(this.path), existsSync)) makeOne(() => mkdirSync(dir));
    } catch (error) {
      // Not fatal for the application: reported now, clearly, and each export fails (counted)
      // until the directory can be made.
      this.warnOnce('dir', this.directoryMessage(error));
    }
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('file exporter is shut down') });
      return;
    }
    // Serialized now, while the spans are as the processor handed them; encoded when written.
    let line: OtlpJsonText;
    try {
      line = otlpJsonText(spans);
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    this.waiting.push({ line, resultCallback });
    this.writing ??= this.drain();
  }

  forceFlush(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.writing;
    await this.closeFd();
  }

  /**
   * Writes what waits, one write at a time, in order. Lines that came while a write was on its
   * way go together in the next write (one `fstat` and one `write` for all of them): a burst
   * costs a few trips through the thread pool, not two per batch.
   */
  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      let result: ExportResult = { code: ExportResultCode.SUCCESS };
      try {
        await this.writeLines(group);
      } catch (error) {
        result = { code: ExportResultCode.FAILED, error: error as Error };
      }
      // Answered before the next group is taken: an export made in a callback joins it.
      for (const { resultCallback } of group) resultCallback(result);
    }
    this.writing = undefined;
  }

  private async writeLines(lines: readonly { line: OtlpJsonText }[]): Promise<void> {
    const fd = await this.openFd();
    const bytes = this.encode(lines);
    const total = bytes.byteLength;
    let written = 0;
    const busySince = Date.now();
    while (written < total) {
      try {
        written += await pWrite(fd, written === 0 ? bytes : bytes.subarray(written));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && Date.now() - busySince < BUSY_RETRY_MS) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        await this.undoPartial(fd, written);
        // The code (ENOSPC, EFBIG …) names the kind of failure: reported once per kind.
        throw Object.assign(
          new Error(`file backend: writing ${this.path} failed: ${(error as Error).message}`, {
            cause: error,
          }),
          { code },
        );
      }
    }
    this.needsNewline = false;
  }

  /**
   * The lines as UTF-8, each with its newline (and, after a partial line that could not be cut
   * back, a newline before them), in the kept buffer when they fit.
   */
  private encode(lines: readonly { line: OtlpJsonText }[]): Uint8Array {
    const lead = this.needsNewline ? 1 : 0;
    // JSON lines are mostly ASCII: one byte per character. Otherwise measured exactly.
    let size = lead + lines.length;
    for (const { line } of lines) size += otlpJsonTextLength(line, false);
    let bytes = this.encodeInto(lines, lead, size, false);
    if (bytes === undefined) {
      size = lead + lines.length;
      for (const { line } of lines) size += otlpJsonTextLength(line, true);
      bytes = this.encodeInto(lines, lead, size, true) as Uint8Array;
    }
    return bytes;
  }

  /**
   * The lines encoded into a buffer of `size` bytes; undefined when `size` (counted in characters)
   * was not `exact` and a piece was not one byte per character.
   */
  private encodeInto(
    lines: readonly { line: OtlpJsonText }[],
    lead: number,
    size: number,
    exact: boolean,
  ): Uint8Array | undefined {
    if (this.buffer.byteLength < size && size <= KEPT_BUFFER_MAX) this.buffer = Buffer.allocUnsafe(size);
    const target = size <= this.buffer.byteLength ? this.buffer : Buffer.allocUnsafe(size);
    let at = 0;
    if (lead === 1) target[at++] = NEWLINE;
    for (const { line } of lines) {
      // One byte is kept free for the newline.
      const end = writeOtlpJsonText(line, target, at, size - 1, exact);
      if (end === undefined) return undefined;
      at = end;
      if (at >= size) return undefined;
      target[at++] = NEWLINE;
    }
    return target.subarray(0, at);
  }

  /** Cuts a half-written line back off the end of the file, or marks that the next must start anew. */
  private async undoPartial(fd: number, written: number): Promise<void> {
    if (written === 0) return;
    try {
      const stat = await pFstat(fd);
      if (!stat.isFile()) throw new Error('not a regular file');
      await pFtruncate(fd, Math.max(0, stat.size - written));
    } catch {
      this.needsNewline = true;
    }
  }

  private async openFd(): Promise<number> {
    if (this.fd !== undefined) {
      // Removed or renamed over (log rotation, `rm`, `lazytrace cleanup`'s atomic rewrite): open
      // the path again, so lines are not written into a file nobody can see. Checked before every
      // write (cleanup only watches the old file for a short grace period after its rename), with
      // a synchronous fstat of the open descriptor: it reads the inode the kernel already holds and
      // never waits for a FIFO's reader; an asynchronous one would cost every write one more trip
      // through the thread pool, which at high rates is what limits the backend.
      let links: number | undefined;
      try {
        links = fstatSync(this.fd).nlink;
      } catch {
        links = undefined;
      }
      if (links !== undefined && links > 0) return this.fd;
      await this.closeFd();
    }
    try {
      const exists = async (dir: string) =>
        pStat(dir).then(
          () => true,
          () => false,
        );
      for (const dir of await missingDirectoriesAsync(dirname(this.path), exists)) {
        await pMkdir(dir).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
      }
    } catch (error) {
      this.warnOnce('dir', this.directoryMessage(error));
      throw reported(this.directoryMessage(error), error);
    }
    try {
      this.fd = await pOpen(this.path, OPEN_FLAGS, 0o644);
      this.warned.delete('open');
      return this.fd;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message =
        code === 'ENXIO'
          ? `file backend: ${this.path} is a FIFO that nobody reads: spans are dropped (and counted) until a reader opens it.`
          : `file backend: cannot open ${this.path} for writing (${code ?? (error as Error).message}): spans are dropped and counted. Set LAZYTRACE_FILE to a writable path or choose another backend (LAZYTRACE_BACKENDS).`;
      this.warnOnce('open', message);
      throw reported(message, error);
    }
  }

  private async closeFd(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await pClose(fd).catch(() => undefined);
  }

  private directoryMessage(error: unknown): string {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return `file backend: cannot create the directory ${dirname(this.path)} for the trace file ${this.path} (${code ?? (error as Error)?.message}): the directory is not writable. Set LAZYTRACE_FILE (or initTracing({ file: { path } })) to a writable path, or choose another backend with LAZYTRACE_BACKENDS. Spans are dropped and counted meanwhile.`;
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    logWarning(message);
  }
}

/**
 * The directories to make, outermost first. Made one by one rather than with `{ recursive: true }`:
 * Node's recursive mkdir loops forever where the parent exists but refuses children (`/proc`), and
 * one level at a time names the directory that failed.
 */
function missingDirectories(dir: string, exists: (dir: string) => boolean): string[] {
  const missing: string[] = [];
  for (let d = dir; !exists(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  return missing;
}

async function missingDirectoriesAsync(
  dir: string,
  exists: (dir: string) => Promise<boolean>,
): Promise<string[]> {
  const missing: string[] = [];
  for (let d = dir; !(await exists(d)); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  return missing;
}

function makeOne(make: () => void): void {
  try {
    make();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

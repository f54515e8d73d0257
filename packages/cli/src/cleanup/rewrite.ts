import { constants } from 'node:fs';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { fromOtlpRequest, parseOtlpJsonLine } from '@lazytrace/traces';
import { CliError } from '../errors.js';
import { readLinesFromHandle } from '../util/line-reader.js';
import { sleep } from '../util/retry.js';

export interface CleanupPlan {
  readonly path: string;
  /** Traces whose last span ended before this (epoch ms) are dropped. */
  readonly cutoffMs: number;
  readonly dryRun: boolean;
  /** After the rename, how long to watch the old file for writes from descriptors opened before it. */
  readonly graceMs: number;
}

export interface CleanupReport {
  file: string;
  cutoff: string;
  dryRun: boolean;
  removedTraces: number;
  removedSpans: number;
  keptTraces: number;
  keptSpans: number;
  /** Lines that are not OTLP (kept as they are: cleanup never drops what it cannot read). */
  unreadableLines: number;
  /** Bytes written by others while cleanup ran, carried over verbatim. */
  carriedOverBytes: number;
  bytesBefore: number;
  bytesAfter: number;
}

interface LineInfo {
  /** Trace ids of the line's spans; empty for a line that is not OTLP. */
  traces: string[];
}

/**
 * Drops old traces from an OTLP-JSON lines file with an atomic rewrite, without losing lines a
 * running application appends meanwhile. The rule:
 *
 * 1. The snapshot is the file up to its last complete line when cleanup starts. Only snapshot
 *    lines are judged; a trace is old when the latest end of its spans there is before the cutoff.
 * 2. Kept lines are copied byte for byte (a line mixing old and kept traces is rewritten with the
 *    kept spans only; a line that is not OTLP is kept as it is) into a temporary file beside the
 *    original (same directory, so the rename is atomic; the original's mode is kept).
 * 3. Everything past the snapshot is copied verbatim, and again until the file stops growing,
 *    then the path is checked to still be the same file (inode) and the temporary file is
 *    fsynced and renamed over it.
 * 4. A writer that opens the file per write, or checks its descriptor before each write (lazytrace's
 *    file backend does: `fstat`, no links left → reopen), writes to the new
 *    file from then on. A writer that opened the old file before the rename may still append to
 *    it: the old file is watched for `graceMs` and whatever it gained is appended to the new one.
 *
 * A lock file (`FILE.cleanup-lock`, with the pid) keeps two cleanups from racing each other.
 */
export async function cleanupFile(plan: CleanupPlan): Promise<CleanupReport> {
  const lockPath = `${plan.path}.cleanup-lock`;
  const lock = await takeLock(lockPath);
  try {
    return await cleanupLocked(plan);
  } finally {
    await lock.close();
    await unlink(lockPath).catch(() => {});
  }
}

async function cleanupLocked(plan: CleanupPlan): Promise<CleanupReport> {
  const source = await open(plan.path, 'r');
  try {
    const info = await source.stat();
    const lines: LineInfo[] = [];
    const latestEnd = new Map<string, number>();
    const spansPerTrace = new Map<string, number>();
    let snapshotEnd = 0;
    let unreadableLines = 0;
    for await (const line of readLinesFromHandle(source, { to: info.size })) {
      snapshotEnd = line.end;
      const parsed = parseOtlpJsonLine(line.bytes.toString('utf8'), line.number);
      if (parsed.spans.length === 0) {
        if (parsed.problem !== undefined) unreadableLines++;
        lines.push({ traces: [] });
        continue;
      }
      const traces: string[] = [];
      for (const span of parsed.spans) {
        traces.push(span.traceId);
        latestEnd.set(
          span.traceId,
          Math.max(latestEnd.get(span.traceId) ?? Number.NEGATIVE_INFINITY, span.endMs),
        );
        spansPerTrace.set(span.traceId, (spansPerTrace.get(span.traceId) ?? 0) + 1);
      }
      lines.push({ traces });
    }
    const old = new Set<string>();
    for (const [traceId, end] of latestEnd) if (end < plan.cutoffMs) old.add(traceId);
    const report: CleanupReport = {
      file: plan.path,
      cutoff: new Date(plan.cutoffMs).toISOString(),
      dryRun: plan.dryRun,
      removedTraces: old.size,
      removedSpans: [...old].reduce((sum, id) => sum + (spansPerTrace.get(id) ?? 0), 0),
      keptTraces: latestEnd.size - old.size,
      keptSpans: 0,
      unreadableLines,
      carriedOverBytes: 0,
      bytesBefore: info.size,
      bytesAfter: info.size,
    };
    report.keptSpans = [...spansPerTrace.values()].reduce((a, b) => a + b, 0) - report.removedSpans;
    if (plan.dryRun || old.size === 0) return report;

    const tempPath = `${plan.path}.cleanup-${process.pid}.tmp`;
    const temp = await open(
      tempPath,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      info.mode & 0o7777,
    );
    let renamed = false;
    try {
      let index = 0;
      for await (const line of readLinesFromHandle(source, { to: snapshotEnd })) {
        const { traces } = lines[index++]!;
        if (traces.length === 0 || !traces.some((id) => old.has(id))) {
          await writeAll(temp, line.bytes, Buffer.from('\n'));
        } else if (!traces.every((id) => old.has(id))) {
          await writeAll(temp, Buffer.from(keepOnly(line.bytes.toString('utf8'), old)), Buffer.from('\n'));
        }
      }
      // 3. What was appended meanwhile (whole lines), until the file stops growing.
      let copied = snapshotEnd;
      while (true) {
        const size = (await source.stat()).size;
        const next = size > copied ? await copyLines(source, temp, copied, size) : copied;
        if (next === copied) break;
        copied = next;
      }
      const current = await stat(plan.path).catch(() => undefined);
      if (current === undefined || current.ino !== info.ino || current.dev !== info.dev) {
        throw new CliError(`${plan.path} was replaced or removed while cleanup ran; nothing was changed`);
      }
      await temp.sync();
      await rename(tempPath, plan.path);
      renamed = true;
      // 4. Writes that still went to the old file (a descriptor opened before the rename).
      const carried = await carryOver(source, plan.path, copied, plan.graceMs);
      report.carriedOverBytes = copied - snapshotEnd + carried;
      report.bytesAfter = (await stat(plan.path)).size;
      return report;
    } finally {
      await temp.close();
      if (!renamed) await unlink(tempPath).catch(() => {});
    }
  } finally {
    await source.close();
  }
}

/** The line's request with the spans of old traces removed (the rest of the JSON as it was). */
function keepOnly(text: string, old: ReadonlySet<string>): string {
  const request = JSON.parse(text) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      ss.spans = (ss.spans ?? []).filter((span) => {
        const [record] = fromOtlpRequest({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
        return record === undefined || !old.has(record.traceId);
      });
    }
    rs.scopeSpans = (rs.scopeSpans ?? []).filter((ss) => (ss.spans ?? []).length > 0);
  }
  request.resourceSpans = (request.resourceSpans ?? []).filter((rs) => (rs.scopeSpans ?? []).length > 0);
  return JSON.stringify(request);
}

async function writeAll(handle: FileHandle, ...buffers: Buffer[]): Promise<void> {
  for (const buffer of buffers) {
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
  }
}

/**
 * Copies the complete lines of [from, to) of `source` to the end of `target` and returns the
 * offset after the last one. A line still being written stays for a later copy, so that it is
 * never split around lines the application appends to the new file meanwhile. With `all`, the
 * unterminated rest is copied too (the last chance to keep it).
 */
async function copyLines(
  source: FileHandle,
  target: FileHandle,
  from: number,
  to: number,
  all = false,
): Promise<number> {
  const buffer = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, to - from)));
  let position = from;
  let pending: Buffer[] = [];
  let copiedTo = from;
  while (position < to) {
    const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, to - position), position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    const nl = chunk.lastIndexOf(10);
    if (nl === -1) {
      pending.push(Buffer.from(chunk));
    } else {
      await writeAll(target, ...pending, chunk.subarray(0, nl + 1));
      pending = [Buffer.from(chunk.subarray(nl + 1))];
      copiedTo = position + nl + 1;
    }
    position += bytesRead;
  }
  if (all && position > copiedTo) {
    await writeAll(target, ...pending);
    copiedTo = position;
  }
  return copiedTo;
}

/**
 * Appends what the old file gains during `graceMs` (checked every 25 ms) to the new file, whole
 * lines only until the end of the grace period.
 */
async function carryOver(old: FileHandle, path: string, from: number, graceMs: number): Promise<number> {
  let copied = from;
  const deadline = Date.now() + graceMs;
  while (true) {
    const last = Date.now() >= deadline;
    const size = (await old.stat()).size;
    if (size > copied) {
      // O_APPEND: whole lines interleave with the application's own appends to the new file.
      const target = await open(path, 'a');
      try {
        copied = await copyLines(old, target, copied, size, last);
      } finally {
        await target.close();
      }
    }
    if (last) return copied - from;
    await sleep(25);
  }
}

async function takeLock(lockPath: string): Promise<FileHandle> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      await handle.write(String(process.pid));
      return handle;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readPid(lockPath);
      if (holder !== undefined && isAlive(holder)) {
        throw new CliError(`another cleanup (pid ${holder}) is working on this file (${lockPath})`);
      }
      // Left by a cleanup that died: take it over.
      await unlink(lockPath).catch(() => {});
    }
  }
  throw new CliError(`cannot take the cleanup lock ${lockPath}`);
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      const text = (await handle.readFile('utf8')).trim();
      return /^\d+$/.test(text) ? Number(text) : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

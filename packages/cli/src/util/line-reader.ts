import { open } from 'node:fs/promises';

/** One line of a file, with where it sits (byte offsets), for verbatim copies and resuming. */
export interface FileLine {
  /** The bytes of the line without its `\n` (a `\r` before it is kept). */
  readonly bytes: Buffer;
  /** Offset of the line's first byte. */
  readonly start: number;
  /** Offset just past its `\n` (the next line's start). */
  readonly end: number;
  /** 1-based, counted from `fromLine` of the call. */
  readonly number: number;
}

export interface ReadLinesOptions {
  /** Byte offset to start at (a line start). Default 0. */
  readonly from?: number;
  /** Stop before this offset: bytes from here on are not read. Default: the size when reading ends. */
  readonly to?: number;
  /** Number of the first line. Default 1. */
  readonly fromLine?: number;
  readonly chunkBytes?: number;
}

/**
 * The complete (newline-terminated) lines of a file between two offsets. An unterminated last
 * line is not yielded: it is either a torn write or a line still being written, and the caller
 * learns where the complete lines ended from the last `end`. Byte offsets make it possible to
 * copy lines verbatim (cleanup) and to resume where a previous read stopped (tail).
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<FileLine> {
  const handle = await open(path, 'r');
  try {
    yield* readLinesFromHandle(handle, options);
  } finally {
    await handle.close();
  }
}

export async function* readLinesFromHandle(
  handle: import('node:fs/promises').FileHandle,
  options: ReadLinesOptions = {},
): AsyncGenerator<FileLine> {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const limit = options.to ?? Number.POSITIVE_INFINITY;
  let position = options.from ?? 0;
  let number = (options.fromLine ?? 1) - 1;
  // Bytes of a line that began in an earlier chunk.
  let carry: Buffer[] = [];
  let carryStart = position;
  const buffer = Buffer.allocUnsafe(chunkBytes);
  while (position < limit) {
    const want = Math.min(chunkBytes, limit - position);
    const { bytesRead } = await handle.read(buffer, 0, want, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    let lineStart = 0;
    while (true) {
      const nl = chunk.indexOf(10, lineStart);
      if (nl === -1) break;
      const piece = chunk.subarray(lineStart, nl);
      const bytes = carry.length === 0 ? Buffer.from(piece) : Buffer.concat([...carry, piece]);
      const start = carry.length === 0 ? position + lineStart : carryStart;
      carry = [];
      number++;
      yield { bytes, start, end: position + nl + 1, number };
      lineStart = nl + 1;
    }
    if (lineStart < bytesRead) {
      if (carry.length === 0) carryStart = position + lineStart;
      carry.push(Buffer.from(chunk.subarray(lineStart)));
    }
    position += bytesRead;
  }
}

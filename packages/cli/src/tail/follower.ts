import { type FileHandle, open, stat } from 'node:fs/promises';
import { readLinesFromHandle } from '../util/line-reader.js';

export interface FollowEvents {
  /** A complete line (without its newline). */
  line(text: string, lineNumber: number): void;
  /** The file shrank below what was read: read again from the start. */
  truncated?(): void;
  /** The path now names another file (rotation): the old one was read to its end first. */
  rotated?(): void;
  /** An unterminated line was left at the end of a rotated-away file. */
  tornLine?(bytes: number): void;
}

/**
 * Follows a growing file like `tail -F`: reads complete lines as they are appended, survives
 * truncation (reads again from the start) and rotation (finishes the old file, then opens the new
 * one from its start), and waits for a file that does not exist yet. Polls `stat` every
 * `intervalMs` (portable, no lost events).
 */
export class FileFollower {
  private handle: FileHandle | undefined;
  private ino = -1;
  private dev = -1;
  private offset = 0;
  private lineNumber = 0;
  /** When the file last grew or changed identity. */
  lastChangeMs = Date.now();

  constructor(
    readonly path: string,
    private readonly events: FollowEvents,
  ) {}

  get open(): boolean {
    return this.handle !== undefined;
  }

  /** Opens the file (if it exists) positioned at its start, or at its end with `atEnd`. */
  async start(atEnd = false): Promise<void> {
    await this.openCurrent();
    if (atEnd && this.handle !== undefined) {
      // Up to the last complete line: a line being written when tail starts is read when done.
      let end = 0;
      for await (const line of readLinesFromHandle(this.handle)) {
        end = line.end;
        this.lineNumber = line.number;
      }
      this.offset = end;
    }
  }

  /** Reads what is new; returns whether anything changed (growth, truncation, rotation). */
  async poll(): Promise<boolean> {
    const current = await stat(this.path).catch(() => undefined);
    if (this.handle === undefined) {
      if (current === undefined) return false;
      await this.openCurrent();
      return (await this.readNew()) || true;
    }
    if (current !== undefined && (current.ino !== this.ino || current.dev !== this.dev)) {
      // Rotated: what the old file got before the switch still counts.
      await this.readNew();
      const rest = (await this.handle.stat()).size - this.offset;
      if (rest > 0) this.events.tornLine?.(rest);
      await this.handle.close();
      this.handle = undefined;
      this.events.rotated?.();
      await this.openCurrent();
      await this.readNew();
      return true;
    }
    const size = (await this.handle.stat()).size;
    if (size < this.offset) {
      this.offset = 0;
      this.lineNumber = 0;
      this.events.truncated?.();
      this.lastChangeMs = Date.now();
    }
    return this.readNew();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private async openCurrent(): Promise<void> {
    try {
      this.handle = await open(this.path, 'r');
    } catch {
      this.handle = undefined;
      return;
    }
    const info = await this.handle.stat();
    this.ino = info.ino;
    this.dev = info.dev;
    this.offset = 0;
    this.lineNumber = 0;
    this.lastChangeMs = Date.now();
  }

  private async readNew(): Promise<boolean> {
    if (this.handle === undefined) return false;
    const size = (await this.handle.stat()).size;
    const grew = size > this.offset;
    for await (const line of readLinesFromHandle(this.handle, {
      from: this.offset,
      to: size,
      fromLine: this.lineNumber + 1,
    })) {
      this.offset = line.end;
      this.lineNumber = line.number;
      this.events.line(line.bytes.toString('utf8'), line.number);
    }
    if (grew) this.lastChangeMs = Date.now();
    return grew;
  }
}

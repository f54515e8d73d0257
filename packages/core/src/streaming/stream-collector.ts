import { serializeValue } from '../capture/serialize.js';

const NO_REDACTION: readonly string[] = Object.freeze([]);
/** Below this much budget left, no further non-string chunk could be shown: stop keeping them. */
const MIN_ROOM = 64;

/**
 * Keeps what a stream yielded, within the capture budget, so hooks can see "the whole stream" as
 * output: string chunks are concatenated, anything else becomes the list of chunks. A chunk is
 * kept only while the budget can still show it, so memory held for the record is about what the
 * captured text will use, however long the stream and however large its chunks:
 * - a string costs its length;
 * - binary data (Buffer, typed array, ArrayBuffer) costs its byte length — it is shown as a short
 *   note, but keeping it holds every byte, so a stream of large buffers keeps only the first;
 * - any other value costs its budgeted JSON text (serialized once, only while the budget lasts).
 * What is not kept is counted and shown as `…[N more chunks not recorded]`.
 */
export class StreamCollector {
  private readonly kept: unknown[] = [];
  private chars = 0;
  private dropped = 0;
  private onlyStrings = true;

  constructor(
    private readonly maxChars: number,
    private readonly maxStringChars: number = maxChars,
  ) {}

  add(chunk: unknown): void {
    if (typeof chunk === 'string') {
      if (this.chars < this.maxChars) {
        this.kept.push(chunk);
        // In a list, a string also costs its quotes and comma.
        this.chars += chunk.length + (this.onlyStrings ? 0 : 3);
      } else {
        this.dropped++;
      }
      return;
    }
    if (this.onlyStrings) {
      this.onlyStrings = false;
      // Now a list: each string kept so far costs its quotes and comma too.
      this.chars += this.kept.length * 3;
    }
    const room = this.maxChars - this.chars;
    // Always keep the first chunk, so even an over-budget stream shows what it was made of.
    if (room < MIN_ROOM && this.kept.length > 0) {
      this.dropped++;
      return;
    }
    this.kept.push(chunk);
    this.chars += this.cost(chunk, Math.max(room, MIN_ROOM)) + 1;
  }

  /** Characters the chunk would take in the captured list (at most `room` plus a little). */
  private cost(chunk: unknown, room: number): number {
    if (chunk === null || typeof chunk !== 'object') {
      return typeof chunk === 'number' || typeof chunk === 'boolean' ? String(chunk).length : 4;
    }
    try {
      if (ArrayBuffer.isView(chunk)) return chunk.byteLength;
      if (chunk instanceof ArrayBuffer) return chunk.byteLength;
    } catch {
      return room;
    }
    return serializeValue(chunk, {
      maxChars: room,
      maxStringChars: Math.min(this.maxStringChars, room),
      redactKeys: NO_REDACTION,
    }).length;
  }

  output(): unknown {
    if (this.onlyStrings && this.kept.length > 0) {
      const text = (this.kept as string[]).join('');
      return this.dropped > 0 ? `${text}…[${this.dropped} more chunks not recorded]` : text;
    }
    if (this.dropped > 0) return [...this.kept, `…[${this.dropped} more chunks not recorded]`];
    return this.kept.slice();
  }
}

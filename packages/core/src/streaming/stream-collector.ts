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
 * - any other value costs about the length of its JSON text, measured only as far as the budget
 *   left (a quick walk, no text built; never past the point where the budget is used up).
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

  /** Characters the chunk would take in the captured list (at most about `room`). */
  private cost(chunk: unknown, room: number): number {
    try {
      return room - estimate(chunk, room, this.maxStringChars);
    } catch {
      // A getter or a Proxy trap threw: the serializer will show a placeholder; count it as full.
      return room;
    }
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

/**
 * Walks a value the way its JSON text would be written and returns what is left of `budget` after
 * it (negative once the budget is used up, where the walk stops). Strings count up to the
 * per-string limit; binary data counts its byte length (see above).
 */
function estimate(value: unknown, budget: number, maxString: number): number {
  switch (typeof value) {
    case 'string':
      return budget - Math.min(value.length, maxString) - 3;
    case 'number':
    case 'bigint':
      return budget - String(value).length - 1;
    case 'boolean':
      return budget - 6;
    case 'object':
      break;
    default:
      // undefined, functions, symbols: a short placeholder at most.
      return budget - 5;
  }
  if (value === null) return budget - 5;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return budget - value.byteLength;
  let left = budget - 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && left > 0; i++) left = estimate(value[i], left - 1, maxString);
    return left;
  }
  if (value instanceof Map || value instanceof Set) {
    for (const item of value) {
      if (left <= 0) break;
      left = estimate(item, left - 1, maxString);
    }
    return left;
  }
  for (const key in value) {
    if (left <= 0) break;
    if (!Object.hasOwn(value, key)) continue;
    left = estimate((value as Record<string, unknown>)[key], left - key.length - 4, maxString);
  }
  return left;
}

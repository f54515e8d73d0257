import { errorMessage, logWarning } from '../logger.js';
import { type EventAggregator, recognizeStream, type StreamAggregate } from './aggregate.js';

/**
 * For a module's own `aggregate(chunks)`, chunks are kept up to about this many characters (or
 * 16 × the capture budget, if more): it needs them all, but a stream must not hold unbounded
 * memory for its record. Past it, `aggregate` gets the chunks kept so far.
 */
export const AGGREGATE_KEEP_CHARS = 1_048_576;

/** `aggregate` functions already reported as throwing. */
const warned = new WeakSet<StreamAggregate>();

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
 *
 * A stream of provider chunk objects (OpenAI chat chunks, OpenAI Responses events, Anthropic
 * message events — recognised by its first chunk) is instead aggregated as it goes into its text
 * and tool calls (`aggregate.ts`), themselves cut at the budget. A module's own
 * `aggregate(chunks)` gets the chunks (up to `AGGREGATE_KEEP_CHARS`) when the stream ends.
 */
export class StreamCollector {
  private readonly kept: unknown[] = [];
  private chars = 0;
  private dropped = 0;
  private onlyStrings = true;
  private events: EventAggregator | undefined;
  /**
   * Nothing but string chunks so far, no `aggregate`, no provider events: a string chunk is just
   * kept or counted (the per-chunk path of a token stream).
   */
  private plainText: boolean;
  /**
   * Empty string chunks seen while `plainText`: they add nothing to the text, so they are counted,
   * not kept (a stream of millions of them must not hold a list of millions); should the record
   * become a list, they are among the chunks not recorded.
   */
  private emptyStrings = 0;

  constructor(
    private readonly maxChars: number,
    private readonly maxStringChars: number = maxChars,
    private readonly aggregate?: StreamAggregate | undefined,
  ) {
    this.plainText = aggregate === undefined;
  }

  add(chunk: unknown): void {
    if (this.plainText && typeof chunk === 'string') {
      if (chunk.length === 0) {
        this.emptyStrings++;
      } else if (this.chars < this.maxChars) {
        this.kept.push(chunk);
        this.chars += chunk.length;
      } else {
        this.dropped++;
      }
      return;
    }
    if (this.plainText) {
      this.plainText = false;
      this.dropped += this.emptyStrings;
    }
    if (this.aggregate !== undefined) {
      this.keepForAggregate(chunk);
      return;
    }
    if (this.events !== undefined) {
      this.events.add(chunk);
      return;
    }
    if (this.kept.length === 0 && this.dropped === 0 && typeof chunk === 'object') {
      this.events = recognizeStream(chunk, this.maxChars);
      if (this.events !== undefined) {
        this.events.add(chunk);
        return;
      }
    }
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

  private keepForAggregate(chunk: unknown): void {
    const limit = Math.max(AGGREGATE_KEEP_CHARS, this.maxChars * 16);
    if (this.chars >= limit) {
      this.dropped++;
      return;
    }
    this.kept.push(chunk);
    const room = limit - this.chars;
    this.chars += typeof chunk === 'string' ? chunk.length : this.cost(chunk, room);
  }

  output(): unknown {
    if (this.aggregate !== undefined) {
      try {
        return this.aggregate(this.kept.slice());
      } catch (error) {
        // The record falls back to the chunks; the stream itself is never affected.
        if (!warned.has(this.aggregate)) {
          warned.add(this.aggregate);
          logWarning(
            `aggregate() of a stream threw (${errorMessage(error)}); its chunks are recorded instead (logged once)`,
          );
        }
        return this.dropped > 0
          ? [...this.kept, `…[${this.dropped} more chunks not recorded]`]
          : this.kept.slice();
      }
    }
    if (this.events !== undefined) {
      try {
        return this.events.output();
      } catch {
        return '';
      }
    }
    if (this.onlyStrings && (this.kept.length > 0 || (this.plainText && this.emptyStrings > 0))) {
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

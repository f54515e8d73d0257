import { errorMessage } from '../logger.js';
import { isAsyncIterable } from '../streaming/is-async-iterable.js';
import { keyMatcher } from './redaction.js';

export interface SerializeOptions {
  /** Budget for the whole JSON text. The result never exceeds it. */
  readonly maxChars: number;
  /** Budget per string (and per key). */
  readonly maxStringChars: number;
  readonly redactKeys: readonly (string | RegExp)[];
  /** Nesting deeper than this is shown as a placeholder. Default 12. */
  readonly maxDepth?: number;
}

export const REDACTED = '[REDACTED]';
export const TRUNCATED = '…[truncated]';
const MAX_KEY_CHARS = 256;
/**
 * Room kept for the one truncation marker a cut value gets (`,"…":"…[truncated]"`,
 * `,"…[123456 more items]"`, a string's `…[truncated N chars]`). Closing brackets are counted
 * separately, one per open level, so a string six levels deep keeps what the budget allows.
 */
const MARKER_ROOM = 48;
const DEFAULT_MAX_DEPTH = 12;

const hasOwn = Object.prototype.hasOwnProperty;
/** Characters JSON must escape (and lone surrogates). Most text has none: it is quoted as is, at a fraction of the cost. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}
// The intrinsics, taken once: a Map or Set subclass (or a patched prototype) cannot change how it is read.
const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;
const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const dateToISO = Date.prototype.toISOString;
const dateGetTime = Date.prototype.getTime;

/**
 * Turns any value into JSON text within a character budget, without ever throwing. The budget
 * is applied while walking: a 100 MB string costs what its kept prefix costs, a million-element
 * array, Map or Set what its first elements cost. Truncation is marked once, where the budget
 * ran out (`…[truncated N chars]`, `…[N more items]`, `"…":"…[truncated]"`); the levels around it
 * just close. Secrets under redacted keys become `[REDACTED]`; the result is always valid JSON.
 */
export function serializeValue(value: unknown, options: SerializeOptions): string {
  try {
    const walker = new Walker(options);
    walker.write(value, 0);
    const text = walker.text();
    return text.length <= options.maxChars ? text : JSON.stringify(TRUNCATED);
  } catch {
    return JSON.stringify('[unserializable]');
  }
}

class Walker {
  private readonly parts: string[] = [];
  private used = 0;
  /** Containers written but not closed yet: each needs one closing character. */
  private open = 0;
  /** The budget ran out and its marker is written: only closing brackets follow. */
  private exhausted = false;
  private readonly ancestors = new Set<object>();
  private readonly maxDepth: number;
  private readonly isRedacted: (key: string) => boolean;

  constructor(private readonly options: SerializeOptions) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.isRedacted = keyMatcher(options.redactKeys);
  }

  text(): string {
    return this.parts.join('');
  }

  /** Characters content may still use, leaving room for one marker and every closing bracket. */
  private room(): number {
    return this.options.maxChars - this.used - this.open - MARKER_ROOM;
  }

  private emit(text: string): void {
    this.parts.push(text);
    this.used += text.length;
  }

  /** Writes a placeholder string such as `"[Function f]"` (cut like any string). */
  private note(text: string): void {
    this.writeString(text, this.options.maxStringChars);
  }

  write(value: unknown, depth: number): void {
    if (this.exhausted) {
      // Only reached for the value of a key that used the last of the budget.
      this.emit('null');
      return;
    }
    switch (typeof value) {
      case 'string':
        this.writeString(value, this.options.maxStringChars);
        return;
      case 'number':
        this.emit(Number.isFinite(value) ? String(value) : JSON.stringify(String(value)));
        return;
      case 'boolean':
        this.emit(value ? 'true' : 'false');
        return;
      case 'bigint':
        this.note(`${value.toString()}n`);
        return;
      case 'undefined':
        this.emit('null');
        return;
      case 'symbol':
        this.note(safeString(value));
        return;
      case 'function':
        this.note(`[Function ${functionName(value)}]`);
        return;
      default:
        if (value === null) this.emit('null');
        else this.writeObject(value as object, depth);
    }
  }

  /**
   * Writes a string cut to `limit` characters and to what the budget leaves, with its marker. Cut
   * by the budget (not by the per-string limit), the walk ends here.
   */
  private writeString(value: string, limit: number): void {
    const room = this.room() - 2;
    if (value.length <= limit && value.length <= room) {
      const text = quote(value);
      if (text.length - 2 <= room) {
        this.emit(text);
        return;
      }
    }
    const markerRoom = marker(value.length).length;
    let kept = Math.max(0, Math.min(value.length, limit, room - markerRoom));
    let text = '';
    for (;;) {
      // Never split a surrogate pair: the kept prefix stays readable text.
      if (kept > 0 && kept < value.length && isHighSurrogate(value.charCodeAt(kept - 1))) kept--;
      const mark = marker(value.length - kept);
      text = quote(value.slice(0, kept) + mark);
      if (text.length - 2 <= Math.max(room, markerRoom) || kept === 0) break;
      // Escapes (\n, \u0000 …) made the kept part longer than its characters: keep fewer, in
      // proportion (and at least one fewer, so this ends).
      const escaped = text.length - 2 - mark.length;
      kept = Math.max(0, Math.min(kept - 1, Math.floor((kept * (room - mark.length)) / escaped)));
    }
    if (kept < value.length && kept < limit) this.exhausted = true;
    this.emit(text);
  }

  private writeObject(obj: object, depth: number): void {
    if (this.ancestors.has(obj)) {
      this.note('[Circular]');
      return;
    }
    let shape: Shape;
    try {
      shape = classify(obj);
    } catch (error) {
      this.note(`[Unserializable: ${safeMessage(error)}]`);
      return;
    }
    if (shape.kind === 'note') {
      this.note(shape.text);
      return;
    }
    if (depth >= this.maxDepth) {
      this.note(shape.kind === 'array' ? '[Array]' : '[Object]');
      return;
    }
    this.ancestors.add(obj);
    try {
      switch (shape.kind) {
        case 'array':
          this.writeArray(obj as unknown[], depth);
          break;
        case 'set':
          this.writeSet(obj as Set<unknown>, depth);
          break;
        case 'map':
          this.writeMap(obj as Map<unknown, unknown>, depth);
          break;
        case 'replace':
          this.write(shape.value, depth + 1);
          break;
        case 'error':
          this.writeError(obj as Error, depth);
          break;
        case 'object':
          this.writeRecord(obj as Record<string, unknown>, depth);
          break;
      }
    } finally {
      this.ancestors.delete(obj);
    }
  }

  /** How many members can possibly be shown: each costs at least two characters (`0,`). */
  private memberCap(): number {
    return Math.max(0, Math.floor(this.room() / 2)) + 1;
  }

  private writeArray(array: readonly unknown[], depth: number): void {
    let length: number;
    try {
      length = array.length;
    } catch (error) {
      this.note(`[Unserializable: ${safeMessage(error)}]`);
      return;
    }
    this.writeItems(
      length,
      (i) => {
        try {
          return array[i];
        } catch (error) {
          return `[Thrown: ${safeMessage(error)}]`;
        }
      },
      depth,
    );
  }

  private writeItems(length: number, itemAt: (i: number) => unknown, depth: number): void {
    this.emit('[');
    this.open++;
    for (let i = 0; i < length && !this.exhausted; i++) {
      if (this.room() <= 0) {
        this.emit(`${i > 0 ? ',' : ''}${JSON.stringify(`…[${length - i} more items]`)}`);
        this.exhausted = true;
        break;
      }
      if (i > 0) this.emit(',');
      this.write(itemAt(i), depth + 1);
    }
    this.open--;
    this.emit(']');
  }

  private writeSet(set: Set<unknown>, depth: number): void {
    const size = setSize.call(set) as number;
    const cap = this.memberCap();
    const items: unknown[] = [];
    // An iterator, not forEach: a million-element Set costs what its shown elements cost.
    for (const v of setValues.call(set) as IterableIterator<unknown>) {
      if (items.length >= cap) break;
      items.push(v);
    }
    this.writeItems(size, (i) => (i < items.length ? items[i] : undefined), depth);
  }

  private writeMap(map: Map<unknown, unknown>, depth: number): void {
    const size = mapSize.call(map) as number;
    const cap = Math.floor(this.memberCap() / 2) + 1;
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of mapEntries.call(map) as IterableIterator<[unknown, unknown]>) {
      if (keys.length >= cap) break;
      keys.push(typeof k === 'string' ? k : safeString(k));
      values.push(v);
    }
    this.writeMembers(keys, (i) => values[i], size > keys.length, depth);
  }

  private writeError(error: Error, depth: number): void {
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const key of ['name', 'message', 'code', 'cause'] as const) {
      try {
        const value = (error as unknown as Record<string, unknown>)[key];
        if (value === undefined) continue;
        keys.push(key);
        values.push(value);
      } catch (thrown) {
        keys.push(key);
        values.push(`[Thrown: ${safeMessage(thrown)}]`);
      }
    }
    this.writeMembers(keys, (i) => values[i], false, depth);
  }

  private writeRecord(obj: Record<string, unknown>, depth: number): void {
    const keys: string[] = [];
    // Each member costs at least four characters (`"":0`): keys past what the budget can show
    // are not collected. (V8 still lists an object's keys once when a for...in starts.)
    const cap = Math.floor(this.memberCap() / 2) + 1;
    let more = false;
    try {
      for (const key in obj) {
        if (!hasOwn.call(obj, key)) continue;
        if (keys.length >= cap) {
          more = true;
          break;
        }
        keys.push(key);
      }
    } catch (error) {
      this.note(`[Unserializable: ${safeMessage(error)}]`);
      return;
    }
    this.writeMembers(keys, (i) => readProperty(obj, keys[i]!), more, depth);
  }

  private writeMembers(
    keys: readonly string[],
    valueAt: (i: number) => unknown,
    more: boolean,
    depth: number,
  ): void {
    this.emit('{');
    this.open++;
    let first = true;
    for (let i = 0; (i < keys.length || more) && !this.exhausted; i++) {
      // A member starts only when its key fits whole (plus `:` and a short value): a cut key
      // would say less than the marker.
      if (i >= keys.length || this.room() < Math.min(keys[i]!.length, MAX_KEY_CHARS) + 6) {
        this.emit(first ? '"…":' : ',"…":');
        this.emit(JSON.stringify(TRUNCATED));
        this.exhausted = true;
        break;
      }
      const key = keys[i]!;
      const redacted = this.isRedacted(key);
      const value = redacted ? REDACTED : valueAt(i);
      // JSON leaves out undefined properties, and so do we.
      if (value === undefined) continue;
      if (!first) this.emit(',');
      first = false;
      this.writeString(key, MAX_KEY_CHARS);
      this.emit(':');
      this.write(value, depth + 1);
    }
    this.open--;
    this.emit('}');
  }
}

function marker(cut: number): string {
  return `…[truncated ${cut} chars]`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function readProperty(obj: Record<string, unknown>, key: string): unknown {
  try {
    return obj[key];
  } catch (error) {
    return `[Thrown: ${safeMessage(error)}]`;
  }
}

type Shape =
  | { kind: 'note'; text: string }
  | { kind: 'array' | 'set' | 'map' | 'error' | 'object' }
  | { kind: 'replace'; value: unknown };

const ARRAY: Shape = { kind: 'array' };
const SET: Shape = { kind: 'set' };
const MAP: Shape = { kind: 'map' };
const ERROR: Shape = { kind: 'error' };
const OBJECT: Shape = { kind: 'object' };

/** Decides how to show an object, before anything of it is written (a revoked Proxy throws here). */
function classify(obj: object): Shape {
  if (Array.isArray(obj)) return ARRAY;
  // Plain objects (most captured values) skip the checks for special classes below.
  const proto = Object.getPrototypeOf(obj);
  if (
    (proto === Object.prototype || proto === null) &&
    typeof (obj as { toJSON?: unknown }).toJSON !== 'function'
  ) {
    return OBJECT;
  }
  if (obj instanceof Date) {
    const time = dateGetTime.call(obj);
    return { kind: 'note', text: Number.isNaN(time) ? 'Invalid Date' : dateToISO.call(obj) };
  }
  if (obj instanceof Error) return ERROR;
  if (ArrayBuffer.isView(obj)) {
    return { kind: 'note', text: `[${constructorName(obj) ?? 'TypedArray'} ${obj.byteLength} bytes]` };
  }
  if (
    obj instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && obj instanceof SharedArrayBuffer)
  ) {
    return { kind: 'note', text: `[${constructorName(obj) ?? 'ArrayBuffer'} ${obj.byteLength} bytes]` };
  }
  if (obj instanceof Map) return MAP;
  if (obj instanceof Set) return SET;
  if (obj instanceof RegExp) return { kind: 'note', text: String(obj) };
  if (obj instanceof Promise) return { kind: 'note', text: '[Promise]' };
  if (obj instanceof WeakMap || obj instanceof WeakSet || obj instanceof WeakRef) {
    return { kind: 'note', text: `[${constructorName(obj)}]` };
  }
  if (obj instanceof String || obj instanceof Number || obj instanceof Boolean) {
    return { kind: 'replace', value: obj.valueOf() };
  }
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return { kind: 'replace', value: toJSON.call(obj) };
  if (isAsyncIterable(obj))
    return { kind: 'note', text: `[AsyncIterable ${constructorName(obj) ?? ''}]`.replace(' ]', ']') };
  if (typeof (obj as { next?: unknown }).next === 'function' && Symbol.iterator in obj) {
    // Iterating a generator would consume it: show that it is one, never its values.
    return { kind: 'note', text: `[Iterator ${constructorName(obj) ?? ''}]`.replace(' ]', ']') };
  }
  return OBJECT;
}

function constructorName(obj: object): string | undefined {
  try {
    const name = (obj as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

function functionName(f: Function): string {
  try {
    return f.name || 'anonymous';
  } catch {
    return 'anonymous';
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

function safeMessage(error: unknown): string {
  const message = errorMessage(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

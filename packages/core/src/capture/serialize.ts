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
/** Room kept for the last marker and closing brackets, so the result stays valid JSON within budget. */
const RESERVE = 48;
const DEFAULT_MAX_DEPTH = 12;

const hasOwn = Object.prototype.hasOwnProperty;
/** Characters JSON must escape (and lone surrogates). Most text has none: it is quoted as is, at a fraction of the cost. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
const dateToISO = Date.prototype.toISOString;
const dateGetTime = Date.prototype.getTime;

/**
 * Turns any value into JSON text within a character budget, without ever throwing. The budget
 * is applied while walking: a 100 MB string costs what its kept prefix costs, a million-element
 * array what its first elements cost. Truncation is marked (`…[truncated]`, `…[N more items]`),
 * secrets under redacted keys become `[REDACTED]`, and the result is always valid JSON.
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
  private remaining: number;
  private exhausted = false;
  private readonly ancestors = new Set<object>();
  private readonly maxDepth: number;
  private readonly isRedacted: (key: string) => boolean;

  constructor(private readonly options: SerializeOptions) {
    this.remaining = Math.max(0, options.maxChars - RESERVE);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.isRedacted = keyMatcher(options.redactKeys);
  }

  text(): string {
    return this.parts.join('');
  }

  private emit(text: string): void {
    this.parts.push(text);
    this.remaining -= text.length;
  }

  /** Writes a placeholder string such as `"[Function f]"`. */
  private note(text: string): void {
    this.emit(JSON.stringify(text));
  }

  write(value: unknown, depth: number): void {
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

  private writeString(value: string, limit: number): void {
    let kept = Math.min(value.length, limit, Math.max(0, this.remaining - 2));
    let text = quote(
      kept < value.length ? `${value.slice(0, kept)}…[truncated ${value.length - kept} chars]` : value,
    );
    // Escapes (\n, \u0000 …) can make the text longer than the kept characters: cut further.
    while (text.length > this.remaining + RESERVE / 2 && kept > 0) {
      kept = Math.floor(kept / 2);
      text = quote(`${value.slice(0, kept)}…[truncated ${value.length - kept} chars]`);
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

  private writeArray(array: readonly unknown[], depth: number): void {
    let length: number;
    try {
      length = array.length;
    } catch (error) {
      this.note(`[Unserializable: ${safeMessage(error)}]`);
      return;
    }
    this.emit('[');
    for (let i = 0; i < length; i++) {
      if (i > 0) this.emit(',');
      if (this.exhausted || this.remaining <= 0) {
        this.note(`…[${length - i} more items]`);
        this.exhausted = true;
        break;
      }
      let item: unknown;
      try {
        item = array[i];
      } catch (error) {
        item = `[Thrown: ${safeMessage(error)}]`;
      }
      this.write(item, depth + 1);
    }
    this.emit(']');
  }

  private writeSet(set: Set<unknown>, depth: number): void {
    const items: unknown[] = [];
    setForEach.call(set, (v) => {
      if (items.length <= this.remaining) items.push(v);
    });
    this.writeArray(items, depth);
  }

  private writeMap(map: Map<unknown, unknown>, depth: number): void {
    const entries: [string, unknown][] = [];
    mapForEach.call(map, (v, k) => {
      if (entries.length <= this.remaining) entries.push([typeof k === 'string' ? k : safeString(k), v]);
    });
    this.writeEntries(entries, depth);
  }

  private writeError(error: Error, depth: number): void {
    const entries: [string, unknown][] = [];
    for (const key of ['name', 'message', 'code', 'cause'] as const) {
      try {
        const value = (error as unknown as Record<string, unknown>)[key];
        if (value !== undefined) entries.push([key, value]);
      } catch (thrown) {
        entries.push([key, `[Thrown: ${safeMessage(thrown)}]`]);
      }
    }
    this.writeEntries(entries, depth);
  }

  private writeRecord(obj: Record<string, unknown>, depth: number): void {
    const keys: string[] = [];
    let more = false;
    try {
      for (const key in obj) {
        if (!hasOwn.call(obj, key)) continue;
        // Each member costs several characters: keys beyond the budget are not even collected
        // (a 1,000,000-key object costs what its shown part costs).
        if (keys.length >= this.remaining) {
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

  private writeEntries(entries: readonly [string, unknown][], depth: number): void {
    this.writeMembers(
      entries.map((e) => e[0]),
      (i) => entries[i]![1],
      false,
      depth,
    );
  }

  private writeMembers(
    keys: readonly string[],
    valueAt: (i: number) => unknown,
    more: boolean,
    depth: number,
  ): void {
    this.emit('{');
    let first = true;
    for (let i = 0; i < keys.length || more; i++) {
      if (i >= keys.length || this.exhausted || this.remaining <= 0) {
        this.emit(first ? '"…":' : ',"…":');
        this.note(TRUNCATED);
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
    this.emit('}');
  }
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

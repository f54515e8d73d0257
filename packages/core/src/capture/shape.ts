import { isAsyncIterable } from '../streaming/is-async-iterable.js';

// The intrinsics, taken once: a Date subclass (or a patched prototype) cannot change how it is read.
const dateToISO = Date.prototype.toISOString;
const dateGetTime = Date.prototype.getTime;

export type Shape =
  | { kind: 'note'; text: string }
  | { kind: 'array' | 'set' | 'map' | 'error' | 'object' }
  | { kind: 'replace'; value: unknown };

const ARRAY: Shape = { kind: 'array' };
const SET: Shape = { kind: 'set' };
const MAP: Shape = { kind: 'map' };
const ERROR: Shape = { kind: 'error' };
const OBJECT: Shape = { kind: 'object' };

/** Decides how to show an object, before anything of it is written (a revoked Proxy throws here). */
export function classify(obj: object): Shape {
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

export function constructorName(obj: object): string | undefined {
  try {
    const name = (obj as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

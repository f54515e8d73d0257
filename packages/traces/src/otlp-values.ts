/**
 * Decoding OTLP's scalar encodings as the writers in the wild produce them: ids as hex (OTLP/JSON)
 * or base64 (protobuf JSON mapping, protobufjs `toObject`) or bytes; int64 as decimal strings
 * (the spec), numbers (many writers) or protobufjs Longs; AnyValues to plain JS values.
 */

const HEX = '0123456789abcdef';
const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64_CHARS.length; i++) BASE64_LOOKUP[BASE64_CHARS.charCodeAt(i)] = i;
// URL-safe alphabet too.
BASE64_LOOKUP['-'.charCodeAt(0)] = 62;
BASE64_LOOKUP['_'.charCodeAt(0)] = 63;

function bytesToHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]! & 0xff;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

function bytesToBase64(bytes: Uint8Array): string {
  // No Buffer: this package also runs in browsers (the viewer).
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64_CHARS[(n >> 18) & 63]! + BASE64_CHARS[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? BASE64_CHARS[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? BASE64_CHARS[n & 63]! : '=';
  }
  return out;
}

function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

function base64ToHex(text: string): string | undefined {
  let bits = 0;
  let acc = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 61) break; // '=' padding
    const v = c < 128 ? BASE64_LOOKUP[c]! : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      out += HEX[b >> 4]! + HEX[b & 15]!;
    }
  }
  return out;
}

/**
 * An id of `bytes` bytes as lowercase hex, or undefined when absent or empty. Hex is recognised by
 * its length (2 × bytes hex digits); anything else is read as base64. An all-zero id means "none"
 * in OTLP (a root's parentSpanId), so it decodes to undefined.
 */
export function decodeId(value: unknown, bytes: number): string | undefined {
  let hex: string | undefined;
  if (typeof value === 'string') {
    if (value.length === 0) return undefined;
    if (value.length === bytes * 2 && isHex(value)) hex = value.toLowerCase();
    else hex = base64ToHex(value);
  } else if (value instanceof Uint8Array || Array.isArray(value)) {
    if (value.length === 0) return undefined;
    hex = bytesToHex(value);
  } else if (value !== null && typeof value === 'object') {
    // A Node Buffer after JSON.stringify: { type: 'Buffer', data: [...] }.
    const data = (value as { data?: unknown }).data;
    if (Array.isArray(data)) hex = data.length === 0 ? undefined : bytesToHex(data);
  }
  if (hex === undefined || hex.length === 0) return undefined;
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return hex;
  return undefined;
}

/** True for a string that decodeId can read as an id of that many bytes. */
export function looksLikeId(value: unknown, bytes: number): boolean {
  const hex = decodeId(value, bytes);
  return hex !== undefined && hex.length === bytes * 2;
}

/**
 * int64 as an exact decimal string: from a string, a number (exact below 2^53; beyond it a double
 * is already an integer, printed exactly), a bigint or a protobufjs Long `{ low, high }`.
 */
export function decodeInt64(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': {
      const t = value.trim();
      if (t.length === 0) return undefined;
      // Fast path: plain digits (the common case) need no conversion at all.
      let digits = true;
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        if (c < 48 || c > 57) {
          digits = false;
          break;
        }
      }
      if (digits) return t.length > 1 && t.charCodeAt(0) === 48 ? BigInt(t).toString() : t;
      const n = Number(t);
      return Number.isFinite(n) ? decodeInt64(n) : undefined;
    }
    case 'number':
      if (!Number.isFinite(value)) return undefined;
      return Number.isSafeInteger(value) ? String(value) : BigInt(Math.trunc(value)).toString();
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return undefined;
      const { low, high, unsigned } = value as { low?: unknown; high?: unknown; unsigned?: unknown };
      if (typeof low === 'number' && typeof high === 'number') {
        const big = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
        return (unsigned === true ? big : BigInt.asIntN(64, big)).toString();
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Nanoseconds (decimal string) to epoch milliseconds as a float. */
export function nanosToMs(nanos: string): number {
  // Split so the integral milliseconds stay exact and only the sub-millisecond part is a fraction.
  if (nanos.length <= 6) return Number(nanos) / 1e6;
  return Number(nanos.slice(0, -6)) + Number(nanos.slice(-6)) / 1e6;
}

/** Epoch milliseconds (float) to decimal nanoseconds, rounded to the microsecond's thousandths. */
export function msToNanos(ms: number): string {
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(frac)).toString();
}

/** An OTLP AnyValue (`{ stringValue }`, `{ intValue }`, …) as a plain JS value. */
export function decodeAnyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value ?? null;
  const v = value as Record<string, unknown>;
  if ('stringValue' in v) return v.stringValue ?? '';
  if ('boolValue' in v) return v.boolValue === true || v.boolValue === 'true';
  if ('intValue' in v) {
    const s = decodeInt64(v.intValue);
    if (s === undefined) return null;
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : s;
  }
  if ('doubleValue' in v) {
    const d = v.doubleValue;
    return typeof d === 'number' ? d : Number(d);
  }
  if ('arrayValue' in v) {
    const values = (v.arrayValue as { values?: unknown } | null)?.values;
    return Array.isArray(values) ? values.map(decodeAnyValue) : [];
  }
  if ('kvlistValue' in v) {
    const values = (v.kvlistValue as { values?: unknown } | null)?.values;
    return decodeKeyValues(values);
  }
  if ('bytesValue' in v) {
    const b = v.bytesValue;
    if (typeof b === 'string') return b;
    if (b instanceof Uint8Array) return bytesToBase64(b);
    return null;
  }
  // protobufjs toObject with `oneofs: true` adds a `value` discriminator; an empty AnyValue is null.
  return null;
}

/** A list of OTLP KeyValues as an object; also accepts an already plain object. */
export function decodeKeyValues(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(list)) {
    for (const kv of list) {
      if (kv === null || typeof kv !== 'object') continue;
      const key = (kv as { key?: unknown }).key;
      if (typeof key !== 'string') continue;
      out[key] = decodeAnyValue((kv as { value?: unknown }).value);
    }
  } else if (list !== null && typeof list === 'object') {
    Object.assign(out, list);
  }
  return out;
}

/** A plain JS value as an OTLP AnyValue (the inverse of decodeAnyValue). */
export function encodeAnyValue(value: unknown): Record<string, unknown> {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      // Beyond 2^53 a number is a double already: written as one, it reads back the same.
      return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
    case 'bigint':
      return { intValue: value.toString() };
    case 'object':
      if (value === null) return {};
      if (Array.isArray(value)) return { arrayValue: { values: value.map(encodeAnyValue) } };
      return { kvlistValue: { values: encodeKeyValues(value as Record<string, unknown>) } };
    default:
      return {};
  }
}

export function encodeKeyValues(record: Record<string, unknown>): { key: string; value: unknown }[] {
  return Object.keys(record).map((key) => ({ key, value: encodeAnyValue(record[key]) }));
}

/** OTLP status code (number or protobufjs enum name) as our status. */
export function decodeStatusCode(code: unknown): 'ok' | 'error' | 'unset' {
  if (code === 2 || code === 'STATUS_CODE_ERROR' || code === 'ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK' || code === 'OK') return 'ok';
  return 'unset';
}

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];

/** OTLP span kind (number or enum name) as OTLP's number, 0..5. */
export function decodeSpanKind(kind: unknown): number {
  if (typeof kind === 'number' && kind >= 0 && kind <= 5) return Math.trunc(kind);
  if (typeof kind === 'string') {
    const i = SPAN_KINDS.indexOf(kind);
    if (i >= 0) return i;
    const n = Number(kind);
    if (Number.isInteger(n) && n >= 0 && n <= 5) return n;
  }
  return 0;
}

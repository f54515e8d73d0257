/**
 * Whether a value is an async iterable. Never throws: a value whose `Symbol.asyncIterator` lookup
 * throws (a hostile getter, a Proxy) is not treated as a stream, so it is handed back as it is —
 * exactly what happens with tracing off.
 */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
  } catch {
    return false;
  }
}

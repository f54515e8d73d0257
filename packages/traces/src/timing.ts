import type { SpanRecord } from './types.js';

/** Self time per span id (ms). */
export function selfTimes(spans: readonly SpanRecord[]): Map<string, number> {
  void spans;
  throw new Error('@lazytrace/traces: not implemented yet');
}

/** Span ids on the critical path, in time order. */
export function criticalPath(spans: readonly SpanRecord[]): string[] {
  void spans;
  throw new Error('@lazytrace/traces: not implemented yet');
}

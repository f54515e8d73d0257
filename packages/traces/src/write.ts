import type { SpanRecord } from './types.js';

/** OTLP-JSON lines (one ExportTraceServiceRequest per line, grouped by resource and scope). */
export function toOtlpJsonLines(spans: readonly SpanRecord[]): string {
  void spans;
  throw new Error('@lazytrace/traces: not implemented yet');
}

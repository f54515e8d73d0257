import type { SpanRecord } from './types.js';

/** The parts of an OTel SDK ReadableSpan this package reads (structural: no SDK import). */
export interface ReadableSpanLike {
  name: string;
  kind: number;
  spanContext(): { traceId: string; spanId: string; traceState?: unknown };
  parentSpanContext?: { spanId: string } | undefined;
  startTime: [number, number];
  endTime: [number, number];
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  events: readonly { name: string; time: [number, number]; attributes?: Record<string, unknown> }[];
  links?: readonly { context: { traceId: string; spanId: string }; attributes?: Record<string, unknown> }[];
  resource?: { attributes: Record<string, unknown> };
  instrumentationScope?: { name: string; version?: string };
}

/** A finished SDK span as a SpanRecord (the console backend and captureTrace use it). */
export function fromReadableSpan(span: ReadableSpanLike): SpanRecord {
  void span;
  throw new Error('@lazytrace/traces: not implemented yet');
}

/**
 * A finished OpenTelemetry SDK span (ReadableSpan) as a SpanRecord, read structurally so this
 * package needs no SDK: the console backend and captureTrace hand their spans over this way.
 */
import { kindOf } from './semantics.js';
import type { SpanRecord } from './types.js';

type HrTime = readonly [number, number];

/** The parts of an OTel SDK ReadableSpan this package reads. */
export interface ReadableSpanLike {
  readonly name: string;
  /** The OTel API's SpanKind (INTERNAL = 0 … CONSUMER = 4). */
  readonly kind: number;
  spanContext(): { traceId: string; spanId: string; traceState?: { serialize(): string } | undefined };
  readonly parentSpanContext?: { spanId: string } | undefined;
  /** SDK 1.x names the parent this way. */
  readonly parentSpanId?: string | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  /** The OTel API's SpanStatusCode (UNSET = 0, OK = 1, ERROR = 2). */
  readonly status: { code: number; message?: string | undefined };
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly {
    name: string;
    time: HrTime;
    attributes?: Readonly<Record<string, unknown>> | undefined;
  }[];
  readonly links?: readonly {
    context: { traceId: string; spanId: string };
    attributes?: Readonly<Record<string, unknown>> | undefined;
  }[];
  readonly resource?: { readonly attributes: Readonly<Record<string, unknown>> };
  readonly instrumentationScope?: { readonly name: string; readonly version?: string | undefined };
}

function nanos(time: HrTime): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

function ms(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/** A finished SDK span as a SpanRecord (attributes copied, so the record outlives the span). */
export function fromReadableSpan(span: ReadableSpanLike): SpanRecord {
  const ctx = span.spanContext();
  const attributes = { ...span.attributes };
  const startMs = ms(span.startTime);
  const endMs = ms(span.endTime);
  const record: SpanRecord = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    name: span.name,
    kind: kindOf(attributes),
    // OTLP numbers its kinds one above the API's enum (0 is "unspecified").
    spanKind: span.kind + 1,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    startMs,
    endMs,
    durationMs: Math.max(0, endMs - startMs),
    status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
    attributes,
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: nanos(e.time),
      timeMs: ms(e.time),
      attributes: { ...e.attributes },
    })),
    resource: { ...span.resource?.attributes },
  };
  const parent = span.parentSpanContext?.spanId ?? span.parentSpanId;
  if (parent !== undefined && parent.length > 0) record.parentSpanId = parent;
  const traceState = ctx.traceState?.serialize();
  if (traceState !== undefined && traceState.length > 0) record.traceState = traceState;
  if (span.status.message !== undefined && span.status.message.length > 0)
    record.statusMessage = span.status.message;
  if (span.links !== undefined && span.links.length > 0)
    record.links = span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: { ...l.attributes },
    }));
  const scope = span.instrumentationScope;
  if (scope !== undefined)
    record.scope =
      scope.version !== undefined && scope.version.length > 0
        ? { name: scope.name, version: scope.version }
        : { name: scope.name };
  return record;
}

import type { SpanRecord } from '@lazytrace/traces';
import { type AttributeValue, type HrTime, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** What a replay may change on the way: the time offset and, for a fresh copy, new ids. */
export interface ReplayTransform {
  /** Added to every timestamp (span start/end, events), in nanoseconds. */
  readonly shiftNanos?: bigint;
  /** Maps a recorded id to the id to send (same length, lowercase hex). */
  readonly mapId?: (id: string) => string;
}

const NANOS_PER_SECOND = 1_000_000_000n;
const STATUS: Readonly<Record<SpanRecord['status'], SpanStatusCode>> = {
  ok: SpanStatusCode.OK,
  error: SpanStatusCode.ERROR,
  unset: SpanStatusCode.UNSET,
};

/**
 * Turns records read from a file back into the OTel SDK's `ReadableSpan`, the shape every span
 * exporter takes, so replay goes through the same exporters and serializers as a live app.
 * Timestamps stay exact (the records keep the nanosecond strings). Resources are shared objects
 * per distinct resource (the OTLP serializer groups spans by resource identity).
 */
export class ReadableSpanFactory {
  private readonly resources = new Map<string, Resource>();

  constructor(private readonly transform: ReplayTransform = {}) {}

  toReadableSpan(record: SpanRecord): ReadableSpan {
    const mapId = this.transform.mapId ?? ((id: string) => id);
    const traceId = mapId(record.traceId);
    const start = BigInt(record.startTimeUnixNano);
    const end = BigInt(record.endTimeUnixNano);
    const startTime = this.time(start);
    // Exact as recorded, even an end before the start (clock skew): replay does not repair.
    const endTime = this.time(end);
    const duration = toHrTime(end > start ? end - start : 0n);
    const spanContext = {
      traceId,
      spanId: mapId(record.spanId),
      traceFlags: TraceFlags.SAMPLED,
      ...(record.traceState ? { traceState: new TraceState(record.traceState) } : {}),
    };
    const parentSpanContext =
      record.parentSpanId === undefined || record.parentSpanId === ''
        ? undefined
        : { traceId, spanId: mapId(record.parentSpanId), traceFlags: TraceFlags.SAMPLED };
    return {
      name: record.name,
      kind: toApiSpanKind(record.spanKind),
      spanContext: () => spanContext,
      parentSpanContext,
      startTime,
      endTime,
      duration,
      status: {
        code: STATUS[record.status] ?? SpanStatusCode.UNSET,
        ...(record.statusMessage ? { message: record.statusMessage } : {}),
      },
      // Decoded OTLP values (objects from kvlists included): the OTLP serializer encodes plain
      // objects back as kvlists, so they survive the round trip although OTel's type says otherwise.
      attributes: record.attributes as Record<string, AttributeValue>,
      links: (record.links ?? []).map((link) => ({
        context: {
          traceId: mapId(link.traceId),
          spanId: mapId(link.spanId),
          traceFlags: TraceFlags.SAMPLED,
          ...(link.traceState ? { traceState: new TraceState(link.traceState) } : {}),
        },
        attributes: link.attributes as Record<string, AttributeValue>,
      })),
      events: record.events.map((event) => ({
        name: event.name,
        time: this.time(BigInt(event.timeUnixNano)),
        attributes: event.attributes as Record<string, AttributeValue>,
        droppedAttributesCount: 0,
      })),
      ended: true,
      resource: this.resource(record.resource),
      instrumentationScope: {
        name: record.scope?.name ?? 'lazytrace-replay',
        version: record.scope?.version,
      },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
  }

  private time(nanos: bigint): HrTime {
    return toHrTime(nanos + (this.transform.shiftNanos ?? 0n));
  }

  private resource(attributes: Record<string, unknown>): Resource {
    const key = JSON.stringify(attributes);
    let resource = this.resources.get(key);
    if (resource === undefined) {
      resource = resourceFromAttributes(attributes as Record<string, AttributeValue>);
      this.resources.set(key, resource);
    }
    return resource;
  }
}

export function toHrTime(nanos: bigint): HrTime {
  const clamped = nanos < 0n ? 0n : nanos;
  return [Number(clamped / NANOS_PER_SECOND), Number(clamped % NANOS_PER_SECOND)];
}

/** OTLP's SpanKind (0 unspecified, 1 internal … 5 consumer) to the API's (0 internal … 4 consumer). */
function toApiSpanKind(otlpKind: number): number {
  return otlpKind >= 1 && otlpKind <= 5 ? otlpKind - 1 : 0;
}

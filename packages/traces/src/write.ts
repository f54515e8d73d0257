/**
 * OTLP-JSON lines writer: the inverse of readOtlpJson. Spans are grouped by resource and scope
 * (in first-seen order, each group keeping its spans' order), at most LINE_SPANS per line, in
 * the OTLP/JSON encoding (hex ids, int64 as decimal strings).
 */
import { encodeKeyValues } from './otlp-values.js';
import type { SpanRecord } from './types.js';

/** Spans per line: lines stay a few hundred kilobytes, like an exporter's batches. */
const LINE_SPANS = 512;

const STATUS_CODES = { unset: 0, ok: 1, error: 2 } as const;

/** OTLP-JSON lines (one ExportTraceServiceRequest per line), each line ending in `\n`. */
export function toOtlpJsonLines(spans: readonly SpanRecord[]): string {
  let out = '';
  for (let i = 0; i < spans.length; i += LINE_SPANS) {
    out += `${JSON.stringify(toOtlpRequest(spans.slice(i, i + LINE_SPANS)))}\n`;
  }
  return out;
}

/** One ExportTraceServiceRequest (OTLP/JSON encoding) holding the spans. */
export function toOtlpRequest(spans: readonly SpanRecord[]): { resourceSpans: unknown[] } {
  // Resources are usually shared objects; key by identity first, by content second.
  const byResource = new Map<
    string,
    { resource: Record<string, unknown>; scopes: Map<string, SpanRecord[]> }
  >();
  const keys = new Map<Record<string, unknown>, string>();
  for (const span of spans) {
    let rkey = keys.get(span.resource);
    if (rkey === undefined) {
      rkey = JSON.stringify(span.resource);
      keys.set(span.resource, rkey);
    }
    let group = byResource.get(rkey);
    if (group === undefined) {
      group = { resource: span.resource, scopes: new Map() };
      byResource.set(rkey, group);
    }
    const skey = span.scope === undefined ? '' : `${span.scope.name}\u0000${span.scope.version ?? ''}`;
    let list = group.scopes.get(skey);
    if (list === undefined) {
      list = [];
      group.scopes.set(skey, list);
    }
    list.push(span);
  }
  return {
    resourceSpans: [...byResource.values()].map((group) => ({
      resource: { attributes: encodeKeyValues(group.resource) },
      scopeSpans: [...group.scopes.values()].map((list) => {
        const scope = list[0]!.scope;
        return {
          ...(scope === undefined
            ? {}
            : { scope: scope.version === undefined ? { name: scope.name } : scope }),
          spans: list.map(encodeSpan),
        };
      }),
    })),
  };
}

function encodeSpan(span: SpanRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    traceId: span.traceId,
    spanId: span.spanId,
  };
  if (span.parentSpanId !== undefined) out.parentSpanId = span.parentSpanId;
  if (span.traceState !== undefined) out.traceState = span.traceState;
  out.name = span.name;
  out.kind = span.spanKind;
  out.startTimeUnixNano = span.startTimeUnixNano;
  out.endTimeUnixNano = span.endTimeUnixNano;
  out.attributes = encodeKeyValues(span.attributes);
  if (span.events.length > 0)
    out.events = span.events.map((e) => ({
      timeUnixNano: e.timeUnixNano,
      name: e.name,
      attributes: encodeKeyValues(e.attributes),
    }));
  if (span.links !== undefined)
    out.links = span.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      ...(l.traceState === undefined ? {} : { traceState: l.traceState }),
      attributes: encodeKeyValues(l.attributes),
    }));
  const status: Record<string, unknown> = { code: STATUS_CODES[span.status] };
  if (span.statusMessage !== undefined) status.message = span.statusMessage;
  out.status = status;
  return out;
}

import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * Spans per `JSON.stringify` call: about 100 KB of text for spans with content, an ordinary heap
 * string. One call for a whole batch makes a string of most of a megabyte: a large object to
 * allocate, and a rope that writing it first flattens into a second one (measured: a third more
 * per span than chunks of 64).
 */
const SPANS_PER_CHUNK = 64;

/**
 * A request's text, in order: strings, and lists of chunks (each chunk a JSON array) that together
 * are one JSON array: `["[a,b]", "[c]"]` stands for `[a,b,c]`.
 */
export type OtlpJsonText = (string | string[])[];

/**
 * A batch of finished spans as one OTLP/JSON `ExportTraceServiceRequest`: the same text OTel's
 * `JsonTraceSerializer` produces (same fields, same order, same encodings: hex ids, int64
 * timestamps as decimal strings, `intValue` as a JSON number), without its two BigInt operations
 * per timestamp, with the resource's and the scope's JSON made once, and without its
 * `TextEncoder` copy: the pieces are written one after the other where the line is written
 * (`writeOtlpJsonText`). The file backend writes one line per batch with it; the transformer's
 * text is the reference (`otlp-json.test.ts` compares both byte for byte).
 */
export function otlpJsonText(spans: readonly ReadableSpan[]): OtlpJsonText {
  // Grouped by resource (by identity) then by scope name, version and schema URL, in first-seen
  // order, as the transformer groups them.
  const byResource = new Map<ReadableSpan['resource'], Map<string, ReadableSpan[]>>();
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    let byScope = byResource.get(span.resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(span.resource, byScope);
    }
    const scope = span.instrumentationScope;
    const key = `${scope.name}@${scope.version || ''}:${scope.schemaUrl || ''}`;
    const list = byScope.get(key);
    if (list === undefined) byScope.set(key, [span]);
    else list.push(span);
  }
  const text: OtlpJsonText = [];
  let out = '{"resourceSpans":[';
  let firstResource = true;
  for (const [resource, byScope] of byResource) {
    // The transformer's key order: resource, scopeSpans, schemaUrl.
    out += firstResource ? '{"resource":' : ',{"resource":';
    firstResource = false;
    out += resourceJson(resource);
    out += ',"scopeSpans":[';
    let firstScope = true;
    for (const list of byScope.values()) {
      const scope = list[0]!.instrumentationScope;
      out += firstScope ? '{"scope":' : ',{"scope":';
      firstScope = false;
      out += scopeJson(scope);
      out += ',"spans":';
      text.push(out);
      // JSON.stringify over plain objects: V8 writes each chunk in one pass.
      const chunks: string[] = [];
      for (let from = 0; from < list.length; from += SPANS_PER_CHUNK) {
        const to = Math.min(list.length, from + SPANS_PER_CHUNK);
        const objects = new Array<ReturnType<typeof otlpSpan>>(to - from);
        for (let i = from; i < to; i++) objects[i - from] = otlpSpan(list[i]!);
        chunks.push(JSON.stringify(objects));
      }
      text.push(chunks);
      out = scope.schemaUrl === undefined ? '}' : `,"schemaUrl":${JSON.stringify(scope.schemaUrl)}}`;
    }
    out += ']';
    const schemaUrl = resource.schemaUrl;
    if (schemaUrl) out += `,"schemaUrl":${JSON.stringify(schemaUrl)}`;
    out += '}';
  }
  text.push(`${out}]}`);
  return text;
}

/** The text's length in UTF-8 bytes (`exact`), or in characters (its length if it is ASCII). */
export function otlpJsonTextLength(text: OtlpJsonText, exact: boolean): number {
  const measure = exact ? (s: string) => Buffer.byteLength(s) : (s: string) => s.length;
  let length = 0;
  for (const piece of text) {
    if (typeof piece === 'string') length += measure(piece);
    else {
      for (const chunk of piece) length += measure(chunk);
      // Each join drops "]" and "[" and adds ",".
      length -= piece.length - 1;
    }
  }
  return length;
}

const COMMA = 0x2c;

/**
 * Writes the text as UTF-8 into `target` from `at`, not past `end`, and returns where it ended.
 * Not `exact` (room counted in characters): undefined as soon as a piece is not one byte per
 * character, to be written again with room counted in bytes. Chunks are joined in place: each
 * next chunk is written over the previous one's closing `]`, whose place then takes a `,`.
 */
export function writeOtlpJsonText(
  text: OtlpJsonText,
  target: Buffer,
  at: number,
  end: number,
  exact: boolean,
): number | undefined {
  for (const piece of text) {
    if (typeof piece === 'string') {
      const written = target.write(piece, at, end - at, 'utf8');
      if (!exact && written !== piece.length) return undefined;
      at += written;
      continue;
    }
    for (let i = 0; i < piece.length; i++) {
      const chunk = piece[i]!;
      const from = i === 0 ? at : at - 1;
      const written = target.write(chunk, from, end - from, 'utf8');
      if (!exact && written !== chunk.length) return undefined;
      if (i > 0) target[from] = COMMA;
      at = from + written;
    }
  }
  return at;
}

type Resource = ReadableSpan['resource'];
type Scope = ReadableSpan['instrumentationScope'];

/**
 * A resource's JSON is the same for every batch (a provider has one resource): kept per resource
 * object, unless its asynchronous attributes are still to come.
 */
const resourceCache = new WeakMap<Resource, string>();

function resourceJson(resource: Resource): string {
  const cached = resourceCache.get(resource);
  if (cached !== undefined) return cached;
  const schemaUrl = resource.schemaUrl;
  const json = JSON.stringify({
    attributes: keyValues(resource.attributes),
    droppedAttributesCount: 0,
    schemaUrl: schemaUrl ? schemaUrl : undefined,
  });
  if (resource.asyncAttributesPending !== true) resourceCache.set(resource, json);
  return json;
}

const scopeCache = new WeakMap<Scope, string>();

function scopeJson(scope: Scope): string {
  const cached = scopeCache.get(scope);
  if (cached !== undefined) return cached;
  const attributes = (scope as { attributes?: Attributes }).attributes;
  const withAttributes = attributes !== undefined && Object.keys(attributes).length > 0;
  const json = JSON.stringify({
    name: scope.name,
    version: scope.version,
    attributes: withAttributes ? keyValues(attributes) : undefined,
    droppedAttributesCount: withAttributes
      ? ((scope as { droppedAttributesCount?: number }).droppedAttributesCount ?? 0)
      : undefined,
  });
  // Scopes are frozen by the SDK's tracers; a plain object could change, so only frozen ones are kept.
  if (Object.isFrozen(scope)) scopeCache.set(scope, json);
  return json;
}

/** W3C trace flags in the low byte; bit 8: "is remote" known; bit 9: the parent is remote. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function flags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

/**
 * The transformer's span object, field for field (an undefined field is left out by
 * JSON.stringify, as it is from the transformer's), with timestamps as strings made without BigInt.
 */
function otlpSpan(span: ReadableSpan) {
  const ctx = span.spanContext();
  const parent = span.parentSpanContext;
  const status = span.status;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: parent?.spanId ? parent.spanId : undefined,
    traceState: ctx.traceState?.serialize(),
    name: span.name,
    kind: span.kind == null ? 0 : span.kind + 1,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: keyValues(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.length === 0 ? [] : span.events.map(otlpEvent),
    droppedEventsCount: span.droppedEventsCount,
    status: { code: status.code, message: status.message },
    links: span.links.length === 0 ? [] : span.links.map(otlpLink),
    droppedLinksCount: span.droppedLinksCount,
    flags: flags(ctx.traceFlags, parent?.isRemote),
  };
}

function otlpEvent(event: ReadableSpan['events'][number]) {
  return {
    attributes: event.attributes ? keyValues(event.attributes) : [],
    name: event.name,
    timeUnixNano: nanos(event.time),
    droppedAttributesCount: event.droppedAttributesCount || 0,
  };
}

function otlpLink(link: ReadableSpan['links'][number]) {
  return {
    attributes: link.attributes ? keyValues(link.attributes) : [],
    spanId: link.context.spanId,
    traceId: link.context.traceId,
    traceState: link.context.traceState?.serialize(),
    droppedAttributesCount: link.droppedAttributesCount || 0,
    flags: flags(link.context.traceFlags, link.context.isRemote),
  };
}

const ZEROS = '000000000';

/**
 * Nanoseconds since the epoch as a decimal string: seconds followed by the nine digits of the
 * nanoseconds, without BigInt; anything outside the usual range goes the transformer's way.
 */
function nanos(time: HrTime): string {
  const seconds = Math.trunc(time[0]);
  const fraction = Math.trunc(time[1]);
  if (seconds > 0 && seconds <= Number.MAX_SAFE_INTEGER && fraction >= 0 && fraction < 1e9) {
    const digits = String(fraction);
    return `${seconds}${ZEROS.slice(digits.length)}${digits}`;
  }
  return (BigInt(seconds) * 1_000_000_000n + BigInt(fraction)).toString();
}

function keyValues(attributes: Attributes): { key: string; value: unknown }[] {
  const keys = Object.keys(attributes);
  const out = new Array<{ key: string; value: unknown }>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out[i] = { key, value: anyValue(attributes[key]) };
  }
  return out;
}

function anyValue(value: AttributeValue | unknown): unknown {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'number':
      return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'object': {
      if (value === null) return {};
      if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value).toString('base64') };
      if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
      return { kvlistValue: { values: keyValues(value as Attributes) } };
    }
    default:
      return {};
  }
}

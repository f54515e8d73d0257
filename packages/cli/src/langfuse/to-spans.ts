import { createHash } from 'node:crypto';
import { attributes as A } from '@lazytrace/core';
import { type AttributeValue, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { toHrTime } from '../replay/to-readable-span.js';
import type { LangfuseObservation } from './observation.js';

/** Langfuse observation type → lazytrace kind (the inverse of @lazytrace/langfuse's mapping). */
const KINDS: Readonly<Record<string, string>> = {
  GENERATION: 'llm',
  EMBEDDING: 'embedding',
  RETRIEVER: 'retriever',
  TOOL: 'tool',
  AGENT: 'agent',
  CHAIN: 'flow',
  GUARDRAIL: 'guardrail',
  EVALUATOR: 'evaluator',
  EVENT: 'event',
};

/** Attribute keys rebuilt from first-class fields, never taken from the metadata copy. */
const REBUILT = new Set<string>([
  A.ATTR_INPUT,
  A.ATTR_OUTPUT,
  A.ATTR_SESSION_ID,
  A.ATTR_USER_ID,
  A.ATTR_TAGS,
  A.ATTR_TRACE_NAME,
  A.ATTR_ROOT,
]);

/** An id as OTel wants it: Langfuse keeps OTel's hex ids; other ids (UUIDs, names) are hashed. */
export function otelId(id: string, hexChars: 16 | 32): string {
  const lower = id.toLowerCase();
  if (new RegExp(`^[0-9a-f]{${hexChars}}$`).test(lower)) return lower;
  return createHash('sha256').update(id).digest('hex').slice(0, hexChars);
}

/**
 * Observations back into OTel spans with lazytrace's neutral attributes, so every lazytrace tool
 * (show, stats, the viewer) reads them as it reads a local recording: kind from the observation
 * type (or the original `lazytrace.kind` Langfuse kept in `metadata.attributes`), input/output,
 * model and usage on generations, session, user, tags and trace name on every span, ERROR level
 * as error status. Times are Langfuse's (millisecond precision).
 */
export function observationsToSpans(observations: readonly LangfuseObservation[]): ReadableSpan[] {
  const resources = new Map<string, ReturnType<typeof resourceFromAttributes>>();
  // Trace-wide context is read once: v2 carries it per observation, but not always on each.
  const sessionId = first(observations, (o) => o.sessionId);
  const userId = first(observations, (o) => o.userId);
  const tags = first(observations, (o) => (o.tags && o.tags.length > 0 ? o.tags : null));
  const traceName = first(observations, (o) => o.traceName);

  return observations.map((o) => {
    const meta = metadataOf(o.metadata);
    const attributes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(meta.attributes)) {
      if (key.startsWith('langfuse.') || REBUILT.has(key)) continue;
      attributes[key] = value;
    }
    if (attributes[A.ATTR_KIND] === undefined && KINDS[o.type] !== undefined)
      attributes[A.ATTR_KIND] = KINDS[o.type];
    if (attributes[A.ATTR_NAME] === undefined && o.name !== null) attributes[A.ATTR_NAME] = o.name;
    const input = ioText(o.input, o.ioParsed);
    if (input !== undefined) attributes[A.ATTR_INPUT] = input;
    const output = ioText(o.output, o.ioParsed);
    if (output !== undefined) attributes[A.ATTR_OUTPUT] = output;
    if (
      o.model !== null &&
      attributes[A.GEN_AI_REQUEST_MODEL] === undefined &&
      attributes[A.GEN_AI_RESPONSE_MODEL] === undefined
    ) {
      attributes[A.GEN_AI_RESPONSE_MODEL] = o.model;
    }
    addUsage(attributes, o.usageDetails);
    const session = o.sessionId ?? sessionId;
    if (session !== null) attributes[A.ATTR_SESSION_ID] = session;
    const user = o.userId ?? userId;
    if (user !== null) attributes[A.ATTR_USER_ID] = user;
    const spanTags = o.tags && o.tags.length > 0 ? o.tags : tags;
    if (spanTags !== null) attributes[A.ATTR_TAGS] = spanTags;
    const name = o.traceName ?? traceName;
    if (name !== null) attributes[A.ATTR_TRACE_NAME] = name;
    if (o.isRootObservation === true || o.parentObservationId === null) attributes[A.ATTR_ROOT] = true;
    if (o.completionStartTime !== null && attributes[A.ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS] === undefined) {
      const ttfc = Date.parse(o.completionStartTime) - Date.parse(o.startTime);
      if (Number.isFinite(ttfc) && ttfc >= 0) attributes[A.ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS] = ttfc;
    }
    attributes['langfuse.observation.id'] = o.id;
    attributes['langfuse.observation.type'] = o.type.toLowerCase();

    const traceId = otelId(o.traceId, 32);
    const startMs = Date.parse(o.startTime);
    const endMs = o.endTime === null ? startMs : Date.parse(o.endTime);
    const start = BigInt(Math.round(startMs)) * 1_000_000n;
    const end = BigInt(Math.round(Number.isFinite(endMs) ? endMs : startMs)) * 1_000_000n;
    const resourceKey = JSON.stringify(meta.resourceAttributes);
    let resource = resources.get(resourceKey);
    if (resource === undefined) {
      resource = resourceFromAttributes(meta.resourceAttributes as Record<string, AttributeValue>);
      resources.set(resourceKey, resource);
    }
    const context = { traceId, spanId: otelId(o.id, 16), traceFlags: TraceFlags.SAMPLED };
    const error = o.level === 'ERROR';
    return {
      name: o.name ?? o.type.toLowerCase(),
      kind: 0,
      spanContext: () => context,
      parentSpanContext:
        o.parentObservationId === null
          ? undefined
          : { traceId, spanId: otelId(o.parentObservationId, 16), traceFlags: TraceFlags.SAMPLED },
      startTime: toHrTime(start),
      endTime: toHrTime(end),
      duration: toHrTime(end > start ? end - start : 0n),
      status: error
        ? { code: SpanStatusCode.ERROR, ...(o.statusMessage ? { message: o.statusMessage } : {}) }
        : { code: SpanStatusCode.UNSET },
      attributes: attributes as Record<string, AttributeValue>,
      links: [],
      events: [],
      ended: true,
      resource,
      instrumentationScope: meta.scope ?? { name: 'langfuse' },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    } satisfies ReadableSpan;
  });
}

function first<T>(
  observations: readonly LangfuseObservation[],
  pick: (o: LangfuseObservation) => T | null,
): T | null {
  for (const o of observations) {
    const value = pick(o);
    if (value !== null) return value;
  }
  return null;
}

/** Langfuse keeps the OTel span's attributes, resource and scope in the observation's metadata. */
function metadataOf(metadata: unknown): {
  attributes: Record<string, unknown>;
  resourceAttributes: Record<string, unknown>;
  scope: { name: string; version?: string } | undefined;
} {
  const meta = asObject(metadata) ?? {};
  const scope = asObject(meta.scope);
  return {
    attributes: asObject(meta.attributes) ?? {},
    resourceAttributes: asObject(meta.resourceAttributes) ?? {},
    scope:
      scope !== undefined && typeof scope.name === 'string'
        ? { name: scope.name, ...(typeof scope.version === 'string' ? { version: scope.version } : {}) }
        : undefined,
  };
}

/** An object, or JSON text of one (metadata values may come back as strings); else undefined. */
function asObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string') {
    try {
      return asObject(JSON.parse(value));
    } catch {
      // Cut (metadata over 200 characters not expanded) or plain text: not usable.
      return undefined;
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * v2 returns input/output as the stored text, kept as is; the trace endpoint returns them parsed
 * (a JSON string comes back as a bare string), so those are encoded back to JSON text, which is
 * what lazytrace recorded.
 */
function ioText(value: unknown, parsed: boolean): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' && !parsed) return value;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function addUsage(attributes: Record<string, unknown>, usage: Record<string, number> | null): void {
  if (usage === null) return;
  const { input, output, total, ...rest } = usage;
  if (input !== undefined) attributes[A.GEN_AI_USAGE_INPUT_TOKENS] = input;
  if (output !== undefined) attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] = output;
  if (total !== undefined) attributes['lazytrace.usage.total_tokens'] = total;
  if (Object.keys(rest).length > 0 && attributes['lazytrace.usage.details'] === undefined) {
    attributes['lazytrace.usage.details'] = JSON.stringify(rest);
  }
}

/** Error clustering: failures grouped by span name + error type + normalized message. */
import { errorMessageOf, errorTypeOf } from './semantics.js';
import type { ErrorCluster, SpanRecord } from './types.js';

const MAX_EVIDENCE = 50;

const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** A token of 8+ word characters mixing letters and digits: request ids, keys, hashes. */
const MIXED_ID = /\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{8,}\b/g;
const NUMBER = /\d+(?:\.\d+)?/g;

/**
 * The message with what varies per occurrence replaced: quoted strings by `<str>`, UUIDs and
 * other ids by `<id>`, numbers by `<n>`; whitespace collapsed; at most 300 characters.
 */
export function normalizeErrorMessage(message: string): string {
  return message
    .replace(QUOTED, '<str>')
    .replace(UUID, '<id>')
    .replace(MIXED_ID, '<id>')
    .replace(NUMBER, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** Error spans clustered, largest cluster first. */
export function clusterErrors(spans: Iterable<SpanRecord>): ErrorCluster[] {
  const clusters = new Map<string, ErrorCluster>();
  for (const span of spans) {
    if (span.status !== 'error') continue;
    const raw = errorMessageOf(span);
    const errorType = errorTypeOf(span);
    const message = raw === null ? '' : normalizeErrorMessage(raw);
    const key = `${span.name} | ${errorType ?? ''} | ${message}`;
    let cluster = clusters.get(key);
    if (cluster === undefined) {
      cluster = {
        key,
        name: span.name,
        errorType,
        message,
        example: raw,
        count: 0,
        spanIds: [],
        traceIds: [],
      };
      clusters.set(key, cluster);
    }
    cluster.count++;
    if (cluster.spanIds.length < MAX_EVIDENCE) cluster.spanIds.push(span.spanId);
    if (cluster.traceIds.length < MAX_EVIDENCE && !cluster.traceIds.includes(span.traceId))
      cluster.traceIds.push(span.traceId);
  }
  return [...clusters.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

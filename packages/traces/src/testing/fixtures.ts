/**
 * Hand-built OTLP-JSON fixtures for the tests: spans placed at exact millisecond times, so every
 * expected figure can be worked out by hand.
 */
import { encodeKeyValues } from '../otlp-values.js';
import { readOtlpJson } from '../read.js';
import type { SpanRecord } from '../types.js';

/** Epoch ms all fixture times are relative to. */
export const T0 = 1_700_000_000_000;

export interface FixtureSpan {
  trace?: string;
  id: string;
  parent?: string;
  name: string;
  /** ms after T0 */
  start: number;
  end: number;
  attrs?: Record<string, unknown>;
  error?: string;
  events?: { name: string; at: number; attrs?: Record<string, unknown> }[];
}

export const TRACE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

/** A short name → a 16-hex span id (stable, readable in failures). */
export function sid(name: string): string {
  let hex = '';
  for (const ch of name) hex += ch.charCodeAt(0).toString(16).padStart(2, '0');
  return hex.slice(0, 16).padEnd(16, '0');
}

export function nanos(msAfterT0: number): string {
  return (BigInt(T0) * 1_000_000n + BigInt(Math.round(msAfterT0 * 1e6))).toString();
}

export function otlpSpan(s: FixtureSpan): Record<string, unknown> {
  return {
    traceId: s.trace ?? TRACE,
    spanId: sid(s.id),
    ...(s.parent === undefined ? {} : { parentSpanId: sid(s.parent) }),
    name: s.name,
    kind: 1,
    startTimeUnixNano: nanos(s.start),
    endTimeUnixNano: nanos(s.end),
    attributes: encodeKeyValues(s.attrs ?? {}),
    events: (s.events ?? []).map((e) => ({
      name: e.name,
      timeUnixNano: nanos(e.at),
      attributes: encodeKeyValues(e.attrs ?? {}),
    })),
    status: s.error === undefined ? { code: 0 } : { code: 2, message: s.error },
  };
}

export function request(
  spans: FixtureSpan[],
  resource: Record<string, unknown> = { 'service.name': 'demo' },
) {
  return {
    resourceSpans: [
      {
        resource: { attributes: encodeKeyValues(resource) },
        scopeSpans: [{ scope: { name: 'lazytrace', version: '0.1.0' }, spans: spans.map(otlpSpan) }],
      },
    ],
  };
}

/** Fixture spans as records, through the real reader. */
export function records(spans: FixtureSpan[]): SpanRecord[] {
  const { spans: out, problems } = readOtlpJson(JSON.stringify(request(spans)));
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
  return out;
}

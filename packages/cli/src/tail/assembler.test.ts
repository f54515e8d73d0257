import type { SpanRecord } from '@lazytrace/traces';
import { describe, expect, it } from 'vitest';
import { TraceAssembler } from './assembler.js';

function span(
  traceId: string,
  spanId: string,
  parentSpanId?: string,
  extra: Partial<SpanRecord> = {},
): SpanRecord {
  return {
    traceId: traceId.padEnd(32, '0'),
    spanId: spanId.padEnd(16, '0'),
    ...(parentSpanId ? { parentSpanId: parentSpanId.padEnd(16, '0') } : {}),
    name: spanId,
    kind: 'module',
    spanKind: 1,
    startTimeUnixNano: '0',
    endTimeUnixNano: '0',
    startMs: Date.now(),
    endMs: Date.now(),
    durationMs: 0,
    status: 'unset',
    attributes: {},
    events: [],
    resource: {},
    ...extra,
  };
}

describe('TraceAssembler', () => {
  it('gives a trace once its root is in and the file has settled, once', () => {
    const a = new TraceAssembler(60_000);
    a.add([span('a', 'c1', 'r')]);
    expect(a.take(true)).toEqual([]);
    a.add([span('a', 'r')]);
    expect(a.take(false)).toEqual([]);
    const [ready] = a.take(true);
    expect(ready!.complete).toBe(true);
    expect(ready!.spans.map((s) => s.name)).toEqual(['c1', 'r']);
    // Late spans of a printed trace are not a new trace.
    a.add([span('a', 'late', 'r')]);
    expect(a.take(true)).toEqual([]);
    expect(a.lateSpans).toBe(1);
  });

  it('a lazytrace root under a foreign parent counts as the root; a span read twice counts once', () => {
    const a = new TraceAssembler(60_000);
    const root = span('b', 'r', 'http', { attributes: { 'lazytrace.root': true } });
    a.add([root, root, span('b', 'c', 'r')]);
    const [ready] = a.take(true);
    expect(ready!.spans).toHaveLength(2);
  });

  it('a trace that never gets its root is given out after the wait, marked incomplete', () => {
    const a = new TraceAssembler(1000);
    a.add([span('c', 'x', 'missing')], 0);
    expect(a.take(true, 500)).toEqual([]);
    const [ready] = a.take(true, 1000);
    expect(ready!.complete).toBe(false);
  });

  it('at start, complete traces and stale leftovers are skipped; recent unfinished ones wait', () => {
    const a = new TraceAssembler(1000);
    const now = Date.now();
    a.add([
      span('done', 'r'),
      span('stale', 'x', 'p', { endMs: now - 5000 }),
      span('live', 'y', 'p', { endMs: now }),
    ]);
    expect(a.skipExisting(now)).toBe(2);
    a.add([span('live', 'r')]);
    expect(a.take(true).map((t) => t.spans[0]!.traceId)).toEqual(['live'.padEnd(32, '0')]);
  });
});

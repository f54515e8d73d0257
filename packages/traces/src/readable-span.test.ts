import { describe, expect, it } from 'vitest';
import { fromReadableSpan, type ReadableSpanLike } from './readable-span.js';

const base: ReadableSpanLike = {
  name: 'llm',
  kind: 2, // API SpanKind.CLIENT
  spanContext: () => ({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }),
  parentSpanContext: { spanId: 'ef'.repeat(8) },
  startTime: [1_700_000_000, 5_000_000],
  endTime: [1_700_000_001, 7_500_000],
  status: { code: 2, message: 'boom' },
  attributes: { 'lazytrace.kind': 'llm', n: 1 },
  events: [{ name: 'exception', time: [1_700_000_000, 6_000_000], attributes: { 'exception.type': 'E' } }],
  links: [{ context: { traceId: '12'.repeat(16), spanId: '34'.repeat(8) } }],
  resource: { attributes: { 'service.name': 'svc' } },
  instrumentationScope: { name: 'lazytrace', version: '1.0.0' },
};

describe('fromReadableSpan', () => {
  it('maps an SDK span to a record: OTLP span kind, exact nanos, status, events, links, scope', () => {
    const r = fromReadableSpan(base);
    expect(r).toEqual({
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      parentSpanId: 'ef'.repeat(8),
      name: 'llm',
      kind: 'llm',
      spanKind: 3,
      startTimeUnixNano: '1700000000005000000',
      endTimeUnixNano: '1700000001007500000',
      startMs: 1_700_000_000_005,
      endMs: 1_700_000_001_007.5,
      durationMs: 1002.5,
      status: 'error',
      statusMessage: 'boom',
      attributes: { 'lazytrace.kind': 'llm', n: 1 },
      events: [
        {
          name: 'exception',
          timeUnixNano: '1700000000006000000',
          timeMs: 1_700_000_000_006,
          attributes: { 'exception.type': 'E' },
        },
      ],
      links: [{ traceId: '12'.repeat(16), spanId: '34'.repeat(8), attributes: {} }],
      resource: { 'service.name': 'svc' },
      scope: { name: 'lazytrace', version: '1.0.0' },
    });
  });

  it("reads SDK 1.x's parentSpanId, and a root without parent", () => {
    expect(
      fromReadableSpan({ ...base, parentSpanContext: undefined, parentSpanId: '99'.repeat(8) }).parentSpanId,
    ).toBe('99'.repeat(8));
    const root = fromReadableSpan({ ...base, parentSpanContext: undefined, status: { code: 0 } });
    expect(root.parentSpanId).toBeUndefined();
    expect(root.status).toBe('unset');
  });
});

import { readOtlpJson, type SpanRecord } from '@lazytrace/traces';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { freshIdMapper } from './new-ids.js';
import { ReadableSpanFactory } from './to-readable-span.js';

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** Two spans of one trace as an app's file holds them, with every kind of value. */
const FILE = `${JSON.stringify({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeSpans: [
        {
          scope: { name: 'lazytrace', version: '0.1.0' },
          spans: [
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              name: 'root',
              kind: 2,
              startTimeUnixNano: '1700000000123456789',
              endTimeUnixNano: '1700000001987654321',
              traceState: 'vendor=1',
              attributes: [
                { key: 'lazytrace.kind', value: { stringValue: 'flow' } },
                { key: 'n', value: { intValue: '42' } },
                { key: 'ratio', value: { doubleValue: 0.5 } },
                { key: 'ok', value: { boolValue: true } },
                {
                  key: 'tags',
                  value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } },
                },
                {
                  key: 'map',
                  value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
                },
              ],
              events: [
                {
                  name: 'exception',
                  timeUnixNano: '1700000000500000001',
                  attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }],
                },
              ],
              links: [
                { traceId: '11111111111111111111111111111111', spanId: '2222222222222222', attributes: [] },
              ],
              status: { code: 2, message: 'boom' },
            },
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: '00f067aa0ba902b7',
              parentSpanId: 'b7ad6b7169203331',
              name: 'child',
              kind: 1,
              startTimeUnixNano: '1700000000200000000',
              endTimeUnixNano: '1700000000300000000',
              attributes: [],
              status: {},
            },
          ],
        },
      ],
    },
  ],
})}\n`;

function comparable(span: SpanRecord) {
  const { resource, scope, ...rest } = span;
  return { ...rest, resource, scope };
}

describe('SpanRecord → ReadableSpan (replay)', () => {
  const records = readOtlpJson(FILE).spans;

  it('serializes back to the same records, exactly (times to the nanosecond, ids, values, status)', () => {
    const factory = new ReadableSpanFactory();
    const spans = records.map((r) => factory.toReadableSpan(r));
    const back = readOtlpJson(text(JsonTraceSerializer.serializeRequest(spans))).spans;
    expect(back.map(comparable)).toEqual(records.map(comparable));
    // Protobuf carries the same spans (what a collector decodes).
    expect(ProtobufTraceSerializer.serializeRequest(spans)?.length).toBeGreaterThan(0);
    // One resource object per distinct resource: one resourceSpans entry.
    expect(JSON.parse(text(JsonTraceSerializer.serializeRequest(spans))).resourceSpans).toHaveLength(1);
  });

  it('--shift-time moves every timestamp by the same nanoseconds; --new-ids renames consistently', () => {
    const mapId = freshIdMapper();
    const factory = new ReadableSpanFactory({ shiftNanos: 1_000_000_000n, mapId });
    const back = readOtlpJson(
      text(JsonTraceSerializer.serializeRequest(records.map((r) => factory.toReadableSpan(r)))),
    ).spans;
    expect(back[0]!.startTimeUnixNano).toBe('1700000001123456789');
    expect(back[0]!.events[0]!.timeUnixNano).toBe('1700000001500000001');
    expect(back[1]!.endTimeUnixNano).toBe('1700000001300000000');
    expect(back[0]!.traceId).not.toBe(records[0]!.traceId);
    expect(back[0]!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(back[1]!.traceId).toBe(back[0]!.traceId);
    expect(back[1]!.parentSpanId).toBe(back[0]!.spanId);
    expect(back[0]!.links![0]!.traceId).toBe(mapId('11111111111111111111111111111111'));
  });
});

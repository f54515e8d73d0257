import { describe, expect, it } from 'vitest';
import { readOtlpJson } from './read.js';
import { otlpSpan, request, sid, TRACE } from './testing/fixtures.js';
import { toOtlpJsonLines } from './write.js';

describe('toOtlpJsonLines', () => {
  it('round trips: what it writes reads back identically', () => {
    const a = request(
      [
        {
          id: 'root',
          name: 'root',
          start: 0,
          end: 100.000123,
          attrs: {
            s: 'x',
            n: 3,
            d: 0.25,
            b: false,
            arr: ['a', 1],
            obj: { k: [true] },
            big: '9007199254740993',
          },
          events: [{ name: 'exception', at: 50.5, attrs: { 'exception.message': 'm' } }],
        },
        { id: 'kid', parent: 'root', name: 'kid', start: 10, end: 20, error: 'boom' },
      ],
      { 'service.name': 'one' },
    );
    const b = request([{ trace: 'b'.repeat(32), id: 'x', name: 'other', start: 5, end: 6 }], {
      'service.name': 'two',
    });
    const linked = {
      ...otlpSpan({ id: 'linked', parent: 'root', name: 'linked', start: 30, end: 40 }),
      kind: 3,
      traceState: 'k=v',
      links: [
        {
          traceId: 'c'.repeat(32),
          spanId: sid('l'),
          attributes: [{ key: 'why', value: { stringValue: 'batch' } }],
        },
      ],
    };
    a.resourceSpans[0]!.scopeSpans[0]!.spans.push(linked);
    const original = readOtlpJson(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
    expect(original.problems).toEqual([]);
    expect(original.spans).toHaveLength(4);
    const text = toOtlpJsonLines(original.spans);
    expect(text.endsWith('\n')).toBe(true);
    const again = readOtlpJson(text);
    expect(again.problems).toEqual([]);
    expect(again.spans).toEqual(original.spans);
    // The OTLP/JSON encoding: hex ids, int64 as decimal strings, one request per line.
    const line = JSON.parse(text.split('\n')[0]!);
    const span = line.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe(TRACE);
    expect(typeof span.startTimeUnixNano).toBe('string');
    expect(line.resourceSpans).toHaveLength(2);
  });

  it('writes at most 512 spans per line', () => {
    const spans = readOtlpJson(
      JSON.stringify(
        request(Array.from({ length: 1100 }, (_, i) => ({ id: `s${i}`, name: 'n', start: i, end: i + 1 }))),
      ),
    ).spans;
    const text = toOtlpJsonLines(spans);
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(readOtlpJson(text).spans).toEqual(spans);
    expect(toOtlpJsonLines([])).toBe('');
  });
});

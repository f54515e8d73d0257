import { describe, expect, it } from 'vitest';
import { fromOtlpRequest, parseOtlpJsonLine, readOtlpJson } from './read.js';
import { nanos, otlpSpan, request, sid, T0, TRACE } from './testing/fixtures.js';

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('readOtlpJson', () => {
  it('reads JSON lines: one ExportTraceServiceRequest per line, ids hex, times exact', () => {
    const text = [
      JSON.stringify(request([{ id: 'root', name: 'request', start: 0, end: 100 }])),
      JSON.stringify(
        request([
          {
            id: 'kid',
            parent: 'root',
            name: 'llm',
            start: 10.5,
            end: 20,
            attrs: { 'lazytrace.kind': 'llm' },
          },
        ]),
      ),
      '',
    ].join('\n');
    const { spans, problems } = readOtlpJson(text);
    expect(problems).toEqual([]);
    expect(spans.map((s) => s.name)).toEqual(['request', 'llm']);
    const kid = spans[1]!;
    expect(kid).toMatchObject({
      traceId: TRACE,
      spanId: sid('kid'),
      parentSpanId: sid('root'),
      kind: 'llm',
      spanKind: 1,
      startTimeUnixNano: nanos(10.5),
      endTimeUnixNano: nanos(20),
      status: 'unset',
      resource: { 'service.name': 'demo' },
      scope: { name: 'lazytrace', version: '0.1.0' },
    });
    expect(kid.startMs).toBe(T0 + 10.5);
    expect(kid.durationMs).toBeCloseTo(9.5, 9);
    expect(spans[0]!.parentSpanId).toBeUndefined();
    expect(spans[0]!.kind).toBe('span');
  });

  it('reads base64 ids (protobuf JSON mapping) and uppercase hex as the same lowercase hex ids', () => {
    const span = otlpSpan({ id: 'kid', parent: 'root', name: 'x', start: 0, end: 1 });
    const b64 = {
      ...span,
      traceId: hexToBase64(TRACE),
      spanId: hexToBase64(sid('kid')),
      parentSpanId: hexToBase64(sid('root')),
    };
    const upper = { ...span, traceId: TRACE.toUpperCase(), spanId: sid('kid').toUpperCase() };
    for (const s of [b64, upper]) {
      const [record] = fromOtlpRequest({ resourceSpans: [{ scopeSpans: [{ spans: [s] }] }] });
      expect(record!.traceId).toBe(TRACE);
      expect(record!.spanId).toBe(sid('kid'));
    }
    const [viaB64] = fromOtlpRequest({ resourceSpans: [{ scopeSpans: [{ spans: [b64] }] }] });
    expect(viaB64!.parentSpanId).toBe(sid('root'));
  });

  it('reads int64 as numbers or strings, and protobufjs Longs, Uint8Array ids and enum names', () => {
    const startNs = BigInt(T0) * 1_000_000n + 123_456n;
    const asNumber = {
      traceId: TRACE,
      spanId: sid('a'),
      name: 'n',
      startTimeUnixNano: Number(startNs),
      endTimeUnixNano: String(startNs + 2_000_000n),
      attributes: [
        { key: 'small', value: { intValue: 42 } },
        { key: 'smallString', value: { intValue: '43' } },
        { key: 'huge', value: { intValue: '9007199254740993' } },
      ],
    };
    const [a] = fromOtlpRequest({ resourceSpans: [{ scopeSpans: [{ spans: [asNumber] }] }] });
    // A number above 2^53 is already rounded by JSON; it is kept exactly as that double's integer.
    expect(a!.startTimeUnixNano).toBe(BigInt(Number(startNs)).toString());
    expect(a!.endTimeUnixNano).toBe(String(startNs + 2_000_000n));
    expect(a!.attributes).toEqual({ small: 42, smallString: 43, huge: '9007199254740993' });

    const long = (v: bigint) => ({
      low: Number(v & 0xffffffffn) | 0,
      high: Number(v >> 32n) | 0,
      unsigned: true,
    });
    const protobufjs = {
      traceId: Uint8Array.from(Buffer.from(TRACE, 'hex')),
      spanId: Uint8Array.from(Buffer.from(sid('b'), 'hex')),
      parentSpanId: new Uint8Array(0),
      name: 'p',
      kind: 'SPAN_KIND_CLIENT',
      startTimeUnixNano: long(startNs),
      endTimeUnixNano: long(startNs + 5_000_000n),
      status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
    };
    const [b] = fromOtlpRequest({ resourceSpans: [{ scopeSpans: [{ spans: [protobufjs] }] }] });
    expect(b).toMatchObject({
      traceId: TRACE,
      spanId: sid('b'),
      spanKind: 3,
      startTimeUnixNano: startNs.toString(),
      durationMs: 5,
      status: 'error',
      statusMessage: 'boom',
    });
    expect(b!.parentSpanId).toBeUndefined();
  });

  it('decodes every AnyValue: arrays, kvlists, booleans, doubles, bytes, empty', () => {
    const span = {
      ...otlpSpan({ id: 'a', name: 'n', start: 0, end: 1 }),
      attributes: [
        { key: 's', value: { stringValue: 'x' } },
        { key: 'b', value: { boolValue: true } },
        { key: 'd', value: { doubleValue: 0.5 } },
        { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
        { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } } },
        { key: 'bytes', value: { bytesValue: 'AAE=' } },
        { key: 'empty', value: {} },
      ],
    };
    const [r] = fromOtlpRequest({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    expect(r!.attributes).toEqual({
      s: 'x',
      b: true,
      d: 0.5,
      arr: ['a', 2],
      kv: { k: false },
      bytes: 'AAE=',
      empty: null,
    });
  });

  it('skips a torn last line and reports it, keeping every complete line', () => {
    const full = JSON.stringify(request([{ id: 'a', name: 'a', start: 0, end: 1 }]));
    const next = JSON.stringify(request([{ id: 'b', name: 'b', start: 1, end: 2 }]));
    const text = `${full}\n${next}\n${next.slice(0, 40)}`;
    const { spans, problems } = readOtlpJson(text);
    expect(spans.map((s) => s.name)).toEqual(['a', 'b']);
    expect(problems).toEqual([expect.objectContaining({ line: 3, kind: 'torn-line' })]);
  });

  it('reports a broken line in the middle and goes on', () => {
    const a = JSON.stringify(request([{ id: 'a', name: 'a', start: 0, end: 1 }]));
    const seen: unknown[] = [];
    const { spans, problems } = readOtlpJson(`${a}\n{not json\n${a}\n42\n`, {
      onProblem: (p) => seen.push(p),
    });
    expect(spans).toHaveLength(2);
    expect(problems.map((p) => [p.line, p.kind])).toEqual([
      [2, 'invalid-json'],
      [4, 'unknown-shape'],
    ]);
    expect(seen).toEqual(problems);
  });

  it('reads one pretty-printed object, an array of requests and an array of bare spans', () => {
    const one = request([
      { id: 'a', name: 'a', start: 0, end: 1 },
      { id: 'b', name: 'b', start: 0, end: 1 },
    ]);
    expect(readOtlpJson(JSON.stringify(one, null, 2)).spans.map((s) => s.name)).toEqual(['a', 'b']);
    expect(readOtlpJson(JSON.stringify([one, one])).spans).toHaveLength(4);
    expect(readOtlpJson(`\ufeff${JSON.stringify(one)}\n${JSON.stringify(one)}\n`).spans).toHaveLength(4);
    const bare = [otlpSpan({ id: 'c', name: 'c', start: 0, end: 1 })];
    const read = readOtlpJson(JSON.stringify(bare, null, 1));
    expect(read.spans.map((s) => s.name)).toEqual(['c']);
    expect(read.spans[0]!.resource).toEqual({});
  });

  it('reports a cut-short pretty-printed document once, not line by line', () => {
    const pretty = JSON.stringify(request([{ id: 'a', name: 'a', start: 0, end: 1 }]), null, 2);
    const { spans, problems } = readOtlpJson(pretty.slice(0, pretty.length / 2));
    expect(spans).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ kind: 'torn-line', line: 1 })]);
  });

  it('never throws, whatever the input', () => {
    for (const text of [
      '',
      '   \n\n',
      'null',
      '"x"',
      '[1,2]',
      '\u0000\u0001binary\uffff',
      '{"resourceSpans": 5}',
      '{}',
    ]) {
      expect(() => readOtlpJson(text)).not.toThrow();
    }
    expect(readOtlpJson('{}').problems).toEqual([]);
    const badIds = readOtlpJson(
      JSON.stringify({ traceId: 'zz', spanId: '', name: 'x', startTimeUnixNano: '1' }),
    );
    expect(badIds.spans).toEqual([]);
    expect(badIds.problems[0]!.kind).toBe('invalid-span');
  });

  it('bounds the problems list and counts the rest', () => {
    const text = Array.from({ length: 250 }, () => '{broken').join('\n');
    const { problems } = readOtlpJson(`${text}\n`);
    expect(problems).toHaveLength(101);
    expect(problems[100]!.message).toBe('150 more problems not listed');
  });

  it('parseOtlpJsonLine reads one line for tailers', () => {
    const line = JSON.stringify(request([{ id: 'a', name: 'a', start: 0, end: 1 }]));
    expect(parseOtlpJsonLine(line).spans).toHaveLength(1);
    expect(parseOtlpJsonLine('{"resourceSpans":[', 7).problem).toMatchObject({
      line: 7,
      kind: 'invalid-json',
    });
  });
});

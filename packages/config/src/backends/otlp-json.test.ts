import { context, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { otlpJsonText, otlpJsonTextLength, writeOtlpJsonText } from './otlp-json.js';

const reference = (spans: ReadableSpan[]) =>
  new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans));

/** The text as the file backend writes it: pieces written one after the other, chunks joined in place. */
function written(spans: ReadableSpan[]): string | undefined {
  const text = otlpJsonText(spans);
  const target = Buffer.alloc(otlpJsonTextLength(text, true));
  const end = writeOtlpJsonText(text, target, 0, target.byteLength, true);
  const ascii = Buffer.alloc(otlpJsonTextLength(text, false));
  const asciiEnd = writeOtlpJsonText(text, ascii, 0, ascii.byteLength, false);
  // Room counted in characters: the same bytes when the text is ASCII, else "does not fit".
  expect(asciiEnd === undefined ? undefined : ascii.subarray(0, asciiEnd).toString()).toBe(
    Buffer.byteLength(reference(spans)) === reference(spans).length ? reference(spans) : undefined,
  );
  return end === undefined ? undefined : target.subarray(0, end).toString();
}

function recorded(build: (provider: BasicTracerProvider) => void, limits = {}): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc', 'host.id': 7, 'x.list': ['a', 'b'] }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
    spanLimits: limits,
  });
  build(provider);
  return memory.getFinishedSpans() as ReadableSpan[];
}

const STRINGS = [
  '',
  'plain',
  'quotes " and \\ backslash',
  'line\nbreak\ttab\u0000nul\u001f',
  'unicode é ü 漢字 😀',
  'lone \ud800 surrogate and \udc00',
  '\u2028\u2029',
  JSON.stringify({ query: 'why are there tides', k: 3, nested: { a: [1, 2, '"x"'] } }),
];

describe('the file backend’s OTLP/JSON: the same text as OTel’s JsonTraceSerializer', () => {
  it('for spans with every kind of attribute, events, links, status, parents and trace state', () => {
    const spans = recorded((provider) => {
      const tracer = provider.getTracer('lib-a', '1.2.3', { schemaUrl: 'https://example.com/s' });
      const other = provider.getTracer('lib-b');
      const remote = trace.setSpanContext(context.active(), {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
        traceState: new TraceState('vendor=a,other=b'),
      });
      tracer.startActiveSpan('root', { kind: SpanKind.SERVER }, remote, (root) => {
        for (const [i, s] of STRINGS.entries()) root.setAttribute(`s.${i}`, s);
        root.setAttributes({
          int: 42,
          negative: -7,
          zero: 0,
          big: 2 ** 60,
          huge: 1e21,
          double: 3.25,
          tiny: 1e-9,
          nan: Number.NaN,
          inf: Number.POSITIVE_INFINITY,
          yes: true,
          no: false,
          strings: ['a', 'b "c"', ''],
          numbers: [1, 2.5, -3],
          bools: [true, false],
          holes: ['a', null as unknown as string, undefined as unknown as string],
          '': 'empty key',
          'key "quoted"': 'v',
        });
        root.addEvent('plain');
        root.addEvent('with attributes', { a: 1, b: 'two', c: [true] });
        root.addLink({
          context: { traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), traceFlags: TraceFlags.NONE },
          attributes: { linked: 'yes' },
        });
        root.addLink({
          context: {
            traceId: 'a'.repeat(32),
            spanId: 'b'.repeat(16),
            traceFlags: TraceFlags.SAMPLED,
            isRemote: true,
            traceState: new TraceState('k=v'),
          },
        });
        const child = other.startSpan('child', { kind: SpanKind.CLIENT });
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom "quoted"' });
        child.recordException(new Error('failure\nwith lines'));
        child.end();
        const ok = tracer.startSpan('ok', { kind: SpanKind.PRODUCER });
        ok.setStatus({ code: SpanStatusCode.OK });
        ok.end();
        root.end();
      });
      // A span ending exactly on a second, and one in a consumer kind.
      const exact = other.startSpan('exact', { kind: SpanKind.CONSUMER, startTime: [1_700_000_000, 0] });
      exact.end([1_700_000_001, 5]);
    });
    expect(spans.length).toBe(4);
    expect(written(spans)).toBe(reference(spans));
  });

  it('with dropped attributes, events and links (span limits)', () => {
    const spans = recorded(
      (provider) => {
        const span = provider.getTracer('limited').startSpan('s');
        for (let i = 0; i < 5; i++) span.setAttribute(`a${i}`, i);
        for (let i = 0; i < 5; i++) span.addEvent(`e${i}`);
        span.end();
      },
      { attributeCountLimit: 2, eventCountLimit: 2 },
    );
    expect(spans[0]!.droppedAttributesCount).toBeGreaterThan(0);
    expect(written(spans)).toBe(reference(spans));
  });

  it('for spans of two resources and values the SDK would not make (bytes, maps, nulls)', () => {
    const a = recorded((provider) => provider.getTracer('t').startSpan('one').end());
    const b = recorded((provider) => provider.getTracer('t').startSpan('two').end());
    const odd = {
      ...b[0]!,
      spanContext: b[0]!.spanContext,
      name: 'odd',
      attributes: {
        bytes: new Uint8Array([0, 1, 2, 250, 255]),
        map: { x: 1, y: ['z', { deep: true }] },
        nothing: null,
        missing: undefined,
      },
    } as unknown as ReadableSpan;
    const spans = [a[0]!, b[0]!, odd, a[0]!];
    expect(written(spans)).toBe(reference(spans));
  });

  it('for an empty batch and a batch of many spans', () => {
    expect(written([])).toBe(reference([]));
    const spans = recorded((provider) => {
      const tracer = provider.getTracer('many');
      for (let i = 0; i < 600; i++) tracer.startSpan(`s${i}`, { attributes: { i, text: `t${i}` } }).end();
    });
    // 600 spans: ten chunks joined in place.
    expect(written(spans)).toBe(reference(spans));
  });
});

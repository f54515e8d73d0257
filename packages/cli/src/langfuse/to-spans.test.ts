import { readOtlpJson } from '@lazytrace/traces';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { normalizeObservation } from './observation.js';
import { observationsToSpans, otelId } from './to-spans.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function records(raw: unknown[], trace?: Parameters<typeof normalizeObservation>[1], parsed = false) {
  const observations = raw.map((o) => normalizeObservation(o, trace, parsed)!);
  const bytes = JsonTraceSerializer.serializeRequest(observationsToSpans(observations));
  return readOtlpJson(new TextDecoder().decode(bytes)).spans;
}

describe('Langfuse observations → lazytrace spans', () => {
  it('maps type, IO, model, usage, level and the trace context to the neutral attributes', () => {
    const [root, llm] = records([
      {
        id: 'b7ad6b7169203331',
        traceId: TRACE,
        type: 'CHAIN',
        name: 'ask',
        startTime: '2026-11-22T10:00:00.000Z',
        endTime: '2026-11-22T10:00:01.500Z',
        parentObservationId: null,
        input: '"hello"',
        output: '"world"',
        sessionId: 's-1',
        userId: 'u-1',
        tags: ['a', 'b'],
        traceName: 'ask',
        level: 'DEFAULT',
      },
      {
        id: '00f067aa0ba902b7',
        traceId: TRACE,
        type: 'GENERATION',
        name: 'llm',
        startTime: '2026-11-22T10:00:00.100Z',
        endTime: '2026-11-22T10:00:01.400Z',
        completionStartTime: '2026-11-22T10:00:00.300Z',
        parentObservationId: 'b7ad6b7169203331',
        model: 'gpt-test',
        usageDetails: { input: 12, output: 5, total: 17, cache_read: 2 },
        level: 'ERROR',
        statusMessage: 'rate limited',
      },
    ]);
    expect(root).toMatchObject({
      traceId: TRACE,
      spanId: 'b7ad6b7169203331',
      name: 'ask',
      kind: 'flow',
      durationMs: 1500,
    });
    expect(root!.attributes).toMatchObject({
      'lazytrace.input': '"hello"',
      'lazytrace.output': '"world"',
      'session.id': 's-1',
      'user.id': 'u-1',
      'lazytrace.tags': ['a', 'b'],
      'lazytrace.trace.name': 'ask',
      'lazytrace.root': true,
    });
    expect(llm).toMatchObject({
      kind: 'llm',
      parentSpanId: 'b7ad6b7169203331',
      status: 'error',
      statusMessage: 'rate limited',
    });
    expect(llm!.attributes).toMatchObject({
      'gen_ai.response.model': 'gpt-test',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
      'lazytrace.usage.total_tokens': 17,
      'lazytrace.usage.details': '{"cache_read":2}',
      'lazytrace.stream.time_to_first_chunk_ms': 200,
      // The trace context is on every span, as lazytrace records it.
      'session.id': 's-1',
      'lazytrace.tags': ['a', 'b'],
    });
  });

  it('the original attributes Langfuse kept in metadata come back (lazytrace.kind); langfuse.* ones do not', () => {
    const [span] = records([
      {
        id: 'b7ad6b7169203331',
        traceId: TRACE,
        type: 'SPAN',
        name: 'prompt',
        startTime: '2026-11-22T10:00:00.000Z',
        endTime: null,
        parentObservationId: null,
        metadata: {
          attributes: JSON.stringify({
            'lazytrace.kind': 'module',
            'langfuse.observation.type': 'span',
            'x.custom': 'kept',
          }),
          resourceAttributes: { 'service.name': 'svc' },
        },
      },
    ]);
    expect(span!.kind).toBe('module');
    expect(span!.attributes['x.custom']).toBe('kept');
    expect(span!.attributes['langfuse.observation.type']).toBe('span');
    expect(span!.resource['service.name']).toBe('svc');
    expect(span!.durationMs).toBe(0);
  });

  it('the trace endpoint: parsed IO is encoded back to JSON text; trace-level session and tags apply', () => {
    const [span] = records(
      [
        {
          id: 'b7ad6b7169203331',
          type: 'SPAN',
          name: 'x',
          startTime: '2026-11-22T10:00:00.000Z',
          input: 'hi',
          output: { a: 1 },
        },
      ],
      { id: TRACE, sessionId: 's-9', tags: ['t'], name: 'x' },
      true,
    );
    expect(span!.traceId).toBe(TRACE);
    expect(span!.attributes).toMatchObject({
      'lazytrace.input': '"hi"',
      'lazytrace.output': '{"a":1}',
      'session.id': 's-9',
      'lazytrace.tags': ['t'],
    });
  });

  it('ids that are not OTel hex (Langfuse SDK UUIDs, names) become stable hex ids', () => {
    expect(otelId('b7ad6b7169203331', 16)).toBe('b7ad6b7169203331');
    expect(otelId('B7AD6B7169203331', 16)).toBe('b7ad6b7169203331');
    const uuid = '6f1c2f1e-2b1c-4b7e-9d1e-0c1f2e3d4c5b';
    expect(otelId(uuid, 16)).toMatch(/^[0-9a-f]{16}$/);
    expect(otelId(uuid, 16)).toBe(otelId(uuid, 16));
    expect(otelId('my-trace', 32)).toMatch(/^[0-9a-f]{32}$/);
  });
});

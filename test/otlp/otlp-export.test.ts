import { initTracing, setTrace, shutdownTracing } from '@lazytrace/config';
import { setLogger } from '@lazytrace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRag } from '../../examples/rag-pipeline/rag.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

afterEach(() => shutdownTracing());

async function runRag() {
  setTrace({ sessionId: 'otlp-session', userId: 'otlp-user', tags: ['otlp'] });
  let answer = '';
  for await (const token of (await buildRag(0).invoke('How far is the Moon?')) as AsyncIterable<string>)
    answer += token;
  return answer;
}

describe.each(['http/json', 'http/protobuf'] as const)(
  'OTLP export over %s to a third-party receiver',
  (protocol) => {
    it('arrives decoded with parent links, attributes and resource intact', async () => {
      const receiver = await startOtlpReceiver();
      try {
        initTracing({
          backends: ['otlp'],
          serviceName: `svc-${protocol.replace('/', '-')}`,
          env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol },
        });
        expect(await runRag()).toMatch(/^Based on/);
        await shutdownTracing();
        const spans = await receiver.waitFor(9);
        expect(spans.map((s) => s.name).sort()).toEqual(
          ['rag', 'rewrite', 'retrieve', 'dense', 'sparse', 'rerank', 'convertUnits', 'prompt', 'llm'].sort(),
        );
        const root = spans.find((s) => s.name === 'rag')!;
        expect(root.parentSpanId).toBeFalsy();
        const ids = new Map(spans.map((s) => [s.spanId, s]));
        for (const span of spans) {
          expect(span.traceId).toBe(root.traceId);
          expect(span.resource['service.name']).toBe(`svc-${protocol.replace('/', '-')}`);
          expect(span.scope.name).toBe('lazytrace');
          expect(span.attributes['session.id']).toBe('otlp-session');
          expect(span.attributes['user.id']).toBe('otlp-user');
          expect(span.attributes['lazytrace.tags']).toEqual(['otlp']);
          if (span !== root) expect(ids.has(span.parentSpanId!)).toBe(true);
        }
        expect(ids.get(spans.find((s) => s.name === 'dense')!.parentSpanId!)?.name).toBe('retrieve');
        const llm = spans.find((s) => s.name === 'llm')!;
        expect(llm.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
        expect(llm.attributes['lazytrace.stream']).toBe(true);
        expect(llm.kind).toBe('SPAN_KIND_INTERNAL');
      } finally {
        await receiver.close();
      }
    });
  },
);

describe('OTLP configuration errors', () => {
  it('a bad endpoint or protocol in the environment is ignored with a warning naming it (DESIGN amendments); in code it throws', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    try {
      initTracing({
        backends: ['otlp'],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      });
      await shutdownTracing();
      expect(warnings.join('\n')).toMatch(
        /OTEL_EXPORTER_OTLP_ENDPOINT="not a url" is not a valid URL: ignored/,
      );
      expect(warnings.join('\n')).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported/);
    } finally {
      setLogger(undefined);
    }
    expect(() => initTracing({ backends: ['otlp'], otlp: { url: 'ftp://x' } })).toThrow(
      /options\.otlp\.url.*http/,
    );
  });
});

import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, parentId, spanId } from '../../../../test/support/otel.js';
import { type CallContext, fn, Module, pipeline, setLogger } from '../index.js';
import { runWithTraceContext } from '../internal.js';
import * as A from './attributes.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});

class Llm extends Module<string, string> {
  override kind = 'llm';
  forward(prompt: string, ctx: CallContext) {
    ctx.setModel({ request: 'gpt-x', provider: 'openai' });
    ctx.setModelParameters({ temperature: 0.2, max_tokens: 256, top_p: 0.9, stop: 'END', custom: 'v' });
    ctx.setUsage({
      inputTokens: 7,
      outputTokens: 2,
      details: { cacheReadInputTokens: 4, reasoningOutputTokens: 1 },
    });
    return `re: ${prompt}`;
  }
}
class Embed extends Module<string, number[]> {
  override kind = 'embedding';
  forward(_: string, ctx: CallContext) {
    ctx.setModel('embed-1');
    ctx.setUsage({ inputTokens: 3 });
    return [0.1, 0.2];
  }
}
const flow = () =>
  pipeline(
    {
      embed: new Embed(),
      search: fn((v: number[]) => `found ${v.length}`, { kind: 'retriever' }),
      llm: new Llm(),
    },
    { name: 'app' },
  );

describe('content and tracing switches', () => {
  it('captureContent off per request: spans without inputs/outputs, model and usage still recorded', async () => {
    await runWithTraceContext({ captureContent: false }, () => flow().invoke('q'));
    for (const span of exporter.getFinishedSpans()) {
      expect(span.attributes[A.ATTR_INPUT]).toBeUndefined();
      expect(span.attributes[A.ATTR_OUTPUT]).toBeUndefined();
    }
    const llm = exporter.getFinishedSpans().find((s) => s.name === 'llm')!;
    expect(llm.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(7);
  });

  it('per module kind and name: capture off for llm, tracing off for one name', async () => {
    await runWithTraceContext(
      { modules: { byKind: { llm: { captureContent: false } }, byName: { search: false } } },
      () => flow().invoke('q'),
    );
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['app', 'embed', 'llm']);
    const llm = spans.find((s) => s.name === 'llm')!;
    expect(llm.attributes[A.ATTR_INPUT]).toBeUndefined();
    expect(spans.find((s) => s.name === 'embed')!.attributes[A.ATTR_INPUT]).toBe('"q"');
  });

  it('a name switch beats a kind switch; capture can be on for one module while off for the request', async () => {
    await runWithTraceContext(
      {
        captureContent: false,
        modules: { byKind: { llm: false }, byName: { llm: { enabled: true, captureContent: true } } },
      },
      () => flow().invoke('q'),
    );
    const llm = exporter.getFinishedSpans().find((s) => s.name === 'llm')!;
    expect(llm.attributes[A.ATTR_OUTPUT]).toBe('"re: found 2"');
    expect(
      exporter.getFinishedSpans().find((s) => s.name === 'app')!.attributes[A.ATTR_INPUT],
    ).toBeUndefined();
  });

  it('children of an untraced flow attach to the nearest traced ancestor', async () => {
    const inner = pipeline({ step: (x: string) => x }, { name: 'inner' });
    const outer = pipeline({ inner }, { name: 'outer' });
    await runWithTraceContext({ modules: { byName: { inner: false } } }, () => outer.invoke('x'));
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['step', 'outer']);
    expect(parentId(spans[0]!)).toBe(spanId(spans[1]!));
  });
});

describe('GenAI semantic conventions', () => {
  it('every gen_ai attribute name matches the semantic-conventions package', () => {
    const expected: Record<string, string> = {
      GEN_AI_OPERATION_NAME: semconv.ATTR_GEN_AI_OPERATION_NAME,
      GEN_AI_PROVIDER_NAME: semconv.ATTR_GEN_AI_PROVIDER_NAME,
      GEN_AI_REQUEST_MODEL: semconv.ATTR_GEN_AI_REQUEST_MODEL,
      GEN_AI_RESPONSE_MODEL: semconv.ATTR_GEN_AI_RESPONSE_MODEL,
      GEN_AI_USAGE_INPUT_TOKENS: semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS,
      GEN_AI_USAGE_OUTPUT_TOKENS: semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
      GEN_AI_REQUEST_MAX_TOKENS: semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS,
      GEN_AI_REQUEST_TEMPERATURE: semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE,
      GEN_AI_REQUEST_TOP_P: semconv.ATTR_GEN_AI_REQUEST_TOP_P,
      GEN_AI_REQUEST_TOP_K: semconv.ATTR_GEN_AI_REQUEST_TOP_K,
      GEN_AI_REQUEST_FREQUENCY_PENALTY: semconv.ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
      GEN_AI_REQUEST_PRESENCE_PENALTY: semconv.ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
      GEN_AI_REQUEST_SEED: semconv.ATTR_GEN_AI_REQUEST_SEED,
      GEN_AI_REQUEST_STOP_SEQUENCES: semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
      GEN_AI_REQUEST_STREAM: semconv.ATTR_GEN_AI_REQUEST_STREAM,
      GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: semconv.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
      GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
      GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: semconv.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
      GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
      GEN_AI_RETRIEVAL_QUERY_TEXT: semconv.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT,
      GEN_AI_TOOL_NAME: semconv.ATTR_GEN_AI_TOOL_NAME,
      GEN_AI_TOOL_CALL_ID: semconv.ATTR_GEN_AI_TOOL_CALL_ID,
      GEN_AI_TOOL_CALL_ARGUMENTS: semconv.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
      GEN_AI_TOOL_CALL_RESULT: semconv.ATTR_GEN_AI_TOOL_CALL_RESULT,
      GEN_AI_CONVERSATION_ID: semconv.ATTR_GEN_AI_CONVERSATION_ID,
      GEN_AI_OPERATION_CHAT: semconv.GEN_AI_OPERATION_NAME_VALUE_CHAT,
      GEN_AI_OPERATION_EMBEDDINGS: semconv.GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS,
      GEN_AI_OPERATION_EXECUTE_TOOL: semconv.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      GEN_AI_OPERATION_INVOKE_AGENT: semconv.GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
      GEN_AI_OPERATION_RETRIEVAL: semconv.GEN_AI_OPERATION_NAME_VALUE_RETRIEVAL,
      GEN_AI_OPERATION_TEXT_COMPLETION: semconv.GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
      ATTR_SESSION_ID: semconv.ATTR_SESSION_ID,
      ATTR_USER_ID: semconv.ATTR_USER_ID,
      ATTR_ERROR_TYPE: semconv.ATTR_ERROR_TYPE,
    };
    const ours = A as unknown as Record<string, string>;
    for (const [name, value] of Object.entries(expected)) expect([name, ours[name]]).toEqual([name, value]);
    // Nothing gen_ai.* in our table that the package does not know (the prefix itself aside).
    const known = new Set(Object.values(semconv as Record<string, unknown>));
    for (const [name, value] of Object.entries(ours)) {
      if (typeof value === 'string' && value.startsWith(A.GEN_AI_PREFIX) && value !== A.GEN_AI_PREFIX)
        expect([name, known.has(value)]).toEqual([name, true]);
    }
  });

  it('llm spans carry model, provider, parameters and usage; embedding spans their operation', async () => {
    await flow().invoke('q');
    const spans = exporter.getFinishedSpans();
    const llm = spans.find((s) => s.name === 'llm')!.attributes;
    expect(llm[semconv.ATTR_GEN_AI_OPERATION_NAME]).toBe('chat');
    expect(llm[semconv.ATTR_GEN_AI_REQUEST_MODEL]).toBe('gpt-x');
    expect(llm[semconv.ATTR_GEN_AI_PROVIDER_NAME]).toBe('openai');
    expect(llm[semconv.ATTR_GEN_AI_REQUEST_TEMPERATURE]).toBe(0.2);
    expect(llm[semconv.ATTR_GEN_AI_REQUEST_MAX_TOKENS]).toBe(256);
    expect(llm[semconv.ATTR_GEN_AI_REQUEST_TOP_P]).toBe(0.9);
    expect(llm[semconv.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]).toEqual(['END']);
    expect(JSON.parse(llm[A.ATTR_MODEL_PARAMETERS] as string)).toMatchObject({ custom: 'v' });
    expect(llm[semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]).toBe(4);
    expect(llm[semconv.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]).toBe(1);
    expect(llm[A.ATTR_USAGE_TOTAL_TOKENS]).toBe(9);
    const embed = spans.find((s) => s.name === 'embed')!.attributes;
    expect(embed[semconv.ATTR_GEN_AI_OPERATION_NAME]).toBe('embeddings');
    expect(embed[semconv.ATTR_GEN_AI_REQUEST_MODEL]).toBe('embed-1');
    const search = spans.find((s) => s.name === 'search')!.attributes;
    expect(search[semconv.ATTR_GEN_AI_OPERATION_NAME]).toBe('retrieval');
  });

  it('the context calls drop bad values with a warning naming the field, never failing the call', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    try {
      const bad = (report: (ctx: CallContext) => void) =>
        fn((_: unknown, ctx) => {
          report(ctx);
          return 'ok';
        }).invoke(null);
      expect(await bad((c) => c.setUsage({ inputTokens: -1 }))).toBe('ok');
      expect(await bad((c) => c.setUsage({ outputTokens: '3' as never }))).toBe('ok');
      expect(await bad((c) => c.setModel(true as never))).toBe('ok');
      expect(await bad((c) => c.setModelParameters({ t: {} as never }))).toBe('ok');
      expect(await bad((c) => c.setAttributes({ a: { nested: 1 } as never }))).toBe('ok');
      const text = warnings.join('\n');
      for (const field of ['"inputTokens"', '"outputTokens"', '"model"', '"t"', '"a"'])
        expect(text).toContain(field);
    } finally {
      setLogger(undefined);
    }
  });
});

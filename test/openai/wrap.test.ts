import { SpanStatusCode } from '@opentelemetry/api';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterEach, describe, expect, test } from 'vitest';
import {
  attributes as A,
  type CallContext,
  configureTracing,
  fn,
  Module,
  pipeline,
} from '../../packages/core/src/index.js';
import { runWithTraceContext } from '../../packages/core/src/internal.js';
import { LANGFUSE_ATTRIBUTES as LF, toLangfuseSpan } from '../../packages/langfuse/src/index.js';
import {
  isWrappedOpenAI,
  openaiAttributes as O,
  unwrapOpenAI,
  wrapOpenAI,
} from '../../packages/openai/src/index.js';
import { installTestTracing } from '../support/otel.js';
import { ANSWER_TOKENS, CHAT_USAGE, chatReply, defaultScript, TOOL_ARGUMENT_PIECES } from './fake-openai.js';
import { useFakeOpenAI } from './use-fake-openai.js';

const { exporter } = installTestTracing();
const { fake, newClient, spans } = useFakeOpenAI(exporter);
afterEach(() => configureTracing({ mask: null, streamIdleTimeoutMs: null }));

const MESSAGES = [{ role: 'user' as const, content: 'Weather in Paris?' }];
const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

const json = (value: unknown): unknown => JSON.parse(String(value));

describe('wrapping', () => {
  test('patches only the instance, is idempotent, and unwrap restores it', () => {
    const client = newClient();
    const other = newClient();
    const proto = Object.getPrototypeOf(client.chat.completions);
    const protoCreate = proto.create;
    expect(wrapOpenAI(client)).toBe(client);
    const traced = client.chat.completions.create;
    expect(traced).not.toBe(protoCreate);
    expect(wrapOpenAI(client, { name: 'again' })).toBe(client);
    expect(client.chat.completions.create).toBe(traced);
    expect(proto.create).toBe(protoCreate);
    expect(other.chat.completions.create).toBe(protoCreate);
    expect(Object.hasOwn(other.chat.completions, 'create')).toBe(false);
    expect(isWrappedOpenAI(client)).toBe(true);
    expect(unwrapOpenAI(client)).toBe(client);
    expect(isWrappedOpenAI(client)).toBe(false);
    for (const resource of [
      client.chat.completions,
      client.responses,
      client.embeddings,
      client.completions,
    ]) {
      expect(Object.hasOwn(resource, 'create')).toBe(false);
    }
    expect(Object.hasOwn(client.chat.completions, 'runTools')).toBe(false);
  });

  test('an unwrapped client makes no spans; rewrapping works', async () => {
    const client = unwrapOpenAI(wrapOpenAI(newClient()));
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    wrapOpenAI(client);
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(await spans(1)).toHaveLength(1);
  });

  test('a client derived with withOptions() is traced too; unwrap restores withOptions', async () => {
    const client = wrapOpenAI(newClient(), { name: 'derived' });
    const derived = client.withOptions({ timeout: 5_000 });
    expect(isWrappedOpenAI(derived)).toBe(true);
    await derived.chat.completions.create({ model: 'm', messages: MESSAGES });
    const [span] = await spans(1);
    expect(span!.name).toBe('derived');
    unwrapOpenAI(client);
    expect(Object.hasOwn(client, 'withOptions')).toBe(false);
    expect(isWrappedOpenAI(client.withOptions({ timeout: 1_000 }))).toBe(false);
  });

  test('rejects what is not a client or options', () => {
    expect(() => wrapOpenAI(null as never)).toThrow(TypeError);
    expect(() => wrapOpenAI(newClient(), { name: '' })).toThrow(/name/);
    expect(() => wrapOpenAI(newClient(), { captureContent: 'no' as never })).toThrow(/captureContent/);
  });

  test('the caller’s body is never modified; include_usage goes on a copy', async () => {
    const client = wrapOpenAI(newClient());
    const body = { model: 'gpt-4o-mini', messages: MESSAGES, stream: true as const };
    const frozen = JSON.stringify(body);
    const stream = await client.chat.completions.create(body);
    for await (const _ of stream) {
      // drain
    }
    expect(JSON.stringify(body)).toBe(frozen);
    expect(fake.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  test('a call not recorded (sampled out, tracing off) goes out as written and the caller sees the same', async () => {
    const client = wrapOpenAI(newClient());
    const read = async () => {
      const chunks = [];
      for await (const chunk of await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        stream: true,
      }))
        chunks.push(chunk);
      return chunks;
    };
    const sampledOut = await runWithTraceContext({ sampled: false }, read);
    const off = await runWithTraceContext({ enabled: false }, read);
    const reference = [];
    for await (const chunk of await newClient().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    }))
      reference.push(chunk);
    expect(sampledOut).toEqual(reference);
    expect(off).toEqual(reference);
    // No usage asked for on the caller's behalf: nothing would record it.
    expect(fake.requests.map((r) => r.body.stream_options)).toEqual([undefined, undefined, undefined]);
    await new Promise((r) => setTimeout(r, 30));
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  test('a caller who asked for usage sees the usage chunk, as without lazytrace', async () => {
    const client = wrapOpenAI(newClient());
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)!.usage).toEqual(CHAT_USAGE);
    expect(chunks.at(-1)!.choices).toEqual([]);
    const [span] = await spans(1);
    expect(span!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(CHAT_USAGE.prompt_tokens);
  });

  test('a server that puts the usage on the last content chunk: recorded, and kept from the caller', async () => {
    fake.script = (request) => {
      const asked = request.body?.stream_options?.include_usage === true;
      const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm' };
      return {
        kind: 'sse',
        events: [
          { data: { ...base, choices: [{ index: 0, delta: { content: 'Hi' } }] } },
          {
            data: {
              ...base,
              choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
              ...(asked ? { usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } } : {}),
            },
          },
          { data: '[DONE]' },
        ],
      };
    };
    const read = async (client: OpenAI) => {
      const stream = await client.chat.completions.create({ model: 'm', messages: MESSAGES, stream: true });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const unwrapped = await read(newClient());
    expect(await read(wrapOpenAI(newClient()))).toEqual(unwrapped);
    const [span] = await spans(1);
    expect(span!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(3);
  });

  test('streamUsage: false leaves the request as the caller wrote it', async () => {
    const client = wrapOpenAI(newClient(), { streamUsage: false });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
    expect(fake.requests[0]!.body.stream_options).toBeUndefined();
    const [span] = await spans(1);
    expect(span!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBeUndefined();
  });

  test('the same Stream object and APIPromise class as the SDK gives', async () => {
    const client = wrapOpenAI(newClient());
    const promise = client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    });
    expect(promise.constructor.name).toBe('APIPromise');
    const stream = await promise;
    const { Stream } = await import('openai/streaming');
    expect(stream).toBeInstanceOf(Stream);
    expect(stream.controller).toBeInstanceOf(AbortController);
    for await (const _ of stream) {
      // drain
    }
  });
});

describe('what a span records', () => {
  test('chat: gen_ai attributes, parameters, input and output', async () => {
    const client = wrapOpenAI(newClient());
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      temperature: 0.3,
      max_completion_tokens: 100,
      top_p: 0.9,
      seed: 7,
      stop: ['\n\n', 'END'],
      n: 1,
      service_tier: 'auto',
    });
    const [span] = await spans(1);
    const a = span!.attributes;
    expect(span!.name).toBe('openai.chat.completions.create');
    expect(a[A.ATTR_KIND]).toBe('llm');
    expect(a[A.GEN_AI_OPERATION_NAME]).toBe('chat');
    expect(a[A.GEN_AI_PROVIDER_NAME]).toBe('openai');
    expect(a[A.GEN_AI_REQUEST_MODEL]).toBe('gpt-4o-mini');
    expect(a[A.GEN_AI_RESPONSE_MODEL]).toBe('gpt-4o-mini-2024-08-06');
    expect(a[A.GEN_AI_REQUEST_TEMPERATURE]).toBe(0.3);
    expect(a[A.GEN_AI_REQUEST_TOP_P]).toBe(0.9);
    expect(a[A.GEN_AI_REQUEST_SEED]).toBe(7);
    expect(a[A.GEN_AI_REQUEST_MAX_TOKENS]).toBe(100);
    expect(a[A.GEN_AI_REQUEST_STOP_SEQUENCES]).toEqual(['\n\n', 'END']);
    expect(a[O.OPENAI_REQUEST_SERVICE_TIER]).toBe('auto');
    expect(a[O.OPENAI_RESPONSE_SERVICE_TIER]).toBe('default');
    expect(a[O.OPENAI_RESPONSE_SYSTEM_FINGERPRINT]).toBe('fp_fake');
    expect(a[O.GEN_AI_RESPONSE_ID]).toBe('chatcmpl-1');
    expect(a[O.GEN_AI_RESPONSE_FINISH_REASONS]).toEqual(['stop']);
    expect(a[O.OPENAI_REQUEST_ID]).toMatch(/^req_\d+$/);
    expect(a[O.HTTP_RESPONSE_STATUS_CODE]).toBe(200);
    expect(a[O.SERVER_ADDRESS]).toBe('127.0.0.1');
    expect(a[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(12);
    expect(a[A.GEN_AI_USAGE_OUTPUT_TOKENS]).toBe(5);
    expect(a[A.ATTR_USAGE_TOTAL_TOKENS]).toBe(17);
    expect(a[A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]).toBe(4);
    expect(a[A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]).toBe(2);
    expect(json(a[A.ATTR_MODEL_PARAMETERS])).toMatchObject({
      temperature: 0.3,
      max_completion_tokens: 100,
      seed: 7,
    });
    expect(json(a[A.ATTR_INPUT])).toEqual(MESSAGES);
    expect(json(a[A.ATTR_OUTPUT])).toEqual({
      role: 'assistant',
      content: ANSWER_TOKENS.join(''),
      refusal: null,
    });
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('a streamed tool call is assembled from its deltas, with time to first token', async () => {
    const client = wrapOpenAI(newClient());
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      tools: TOOLS,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    // The caller never sees the usage chunk nor `usage: null` (it did not ask for usage).
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    const [span] = await spans(1);
    const a = span!.attributes;
    expect(json(a[A.ATTR_OUTPUT])).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'get_weather', arguments: TOOL_ARGUMENT_PIECES.join('') },
        },
      ],
    });
    expect(json(a[A.ATTR_INPUT])).toEqual({ messages: MESSAGES, tools: TOOLS });
    expect(a[O.GEN_AI_RESPONSE_FINISH_REASONS]).toEqual(['tool_calls']);
    expect(a[A.GEN_AI_USAGE_OUTPUT_TOKENS]).toBe(5);
    expect(a[A.ATTR_STREAM]).toBe(true);
    expect(a[A.ATTR_STREAM_CHUNKS]).toBe(chunks.length);
    expect(a[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[A.ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS]).toBeGreaterThan(0);
    expect(a[A.GEN_AI_REQUEST_STREAM]).toBe(true);
    // Langfuse shows it as a generation with model, usage and completion start time.
    const lf = toLangfuseSpan(span!, { environment: undefined, release: undefined } as never).attributes;
    expect(lf[LF.type]).toBe('generation');
    expect(lf[LF.model]).toBe('gpt-4o-mini-2024-08-06');
    expect(json(lf[LF.usageDetails])).toMatchObject({
      input: 12,
      output: 5,
      total: 17,
      cache_read_input_tokens: 4,
    });
    expect(typeof lf[LF.completionStartTime]).toBe('string');
  });

  test('parallel tool calls in one stream are kept apart by index', async () => {
    fake.script = (request) => {
      const reply = chatReply(request.body);
      if (reply.kind !== 'sse') return reply;
      const base = { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'm' };
      const tc = (tool_calls: object[]) => ({
        data: { ...base, choices: [{ index: 0, delta: { tool_calls } }] },
      });
      return {
        kind: 'sse',
        events: [
          tc([{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '' } }]),
          tc([{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{"y"' } }]),
          tc([{ index: 0, function: { arguments: '{"x":1}' } }]),
          tc([{ index: 1, function: { arguments: ':2}' } }]),
          { data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] } },
          { data: '[DONE]' },
        ],
      };
    };
    const client = wrapOpenAI(newClient());
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: MESSAGES,
      tools: TOOLS,
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
    const [span] = await spans(1);
    const output = json(span!.attributes[A.ATTR_OUTPUT]) as { tool_calls: unknown[] };
    expect(output.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
      { id: 'call_b', type: 'function', function: { name: 'b', arguments: '{"y":2}' } },
    ]);
  });

  test('responses, embeddings and completions', async () => {
    const client = wrapOpenAI(newClient());
    await client.responses.create({
      model: 'gpt-4.1-mini',
      input: 'Hi',
      instructions: 'Be brief',
      max_output_tokens: 50,
    });
    await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b', 'c'],
      dimensions: 8,
    });
    await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', max_tokens: 5 });
    const [responses, embeddings, completions] = await spans(3);
    expect(responses!.name).toBe('openai.responses.create');
    expect(responses!.attributes[O.OPENAI_API_TYPE]).toBe('responses');
    expect(responses!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(20);
    expect(responses!.attributes[A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]).toBe(8);
    expect(responses!.attributes[A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]).toBe(3);
    expect(responses!.attributes[A.GEN_AI_REQUEST_MAX_TOKENS]).toBe(50);
    expect(responses!.attributes[O.GEN_AI_RESPONSE_ID]).toBe('resp_1');
    expect(json(responses!.attributes[A.ATTR_INPUT])).toEqual([
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(json(responses!.attributes[A.ATTR_OUTPUT])).toEqual({
      role: 'assistant',
      content: ANSWER_TOKENS.join(''),
    });

    expect(embeddings!.name).toBe('openai.embeddings.create');
    expect(embeddings!.attributes[A.ATTR_KIND]).toBe('embedding');
    expect(embeddings!.attributes[A.GEN_AI_OPERATION_NAME]).toBe('embeddings');
    expect(embeddings!.attributes[O.GEN_AI_EMBEDDINGS_DIMENSION_COUNT]).toBe(8);
    expect(embeddings!.attributes[O.GEN_AI_REQUEST_ENCODING_FORMATS]).toEqual(['float']);
    expect(embeddings!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(9);
    expect(json(embeddings!.attributes[A.ATTR_OUTPUT])).toEqual({ embeddings: 3, dimensions: 8 });

    expect(completions!.attributes[A.GEN_AI_OPERATION_NAME]).toBe('text_completion');
    expect(json(completions!.attributes[A.ATTR_OUTPUT])).toBe(ANSWER_TOKENS.join(''));
  });

  test('an HTTP error: status, code, request id, the error class; the same error reaches the caller', async () => {
    fake.script = () => ({
      kind: 'json',
      status: 400,
      body: {
        error: {
          message: 'bad model',
          type: 'invalid_request_error',
          code: 'model_not_found',
          param: 'model',
        },
      },
    });
    const client = wrapOpenAI(newClient());
    const error = await client.chat.completions
      .create({ model: 'nope', messages: MESSAGES })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const [span] = await spans(1);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: '400 bad model' });
    expect(span!.attributes[O.HTTP_RESPONSE_STATUS_CODE]).toBe(400);
    expect(span!.attributes[O.OPENAI_ERROR_CODE]).toBe('model_not_found');
    expect(span!.attributes[O.OPENAI_ERROR_TYPE]).toBe('invalid_request_error');
    expect(span!.attributes[O.OPENAI_REQUEST_ID]).toMatch(/^req_\d+$/);
    expect(span!.attributes[A.ATTR_ERROR_TYPE]).toBe('BadRequestError');
    expect(span!.events.find((e) => e.name === 'exception')).toBeDefined();
  });

  test('retries inside one call are one span', async () => {
    let attempts = 0;
    fake.script = (request, n) =>
      ++attempts === 1
        ? {
            kind: 'json',
            status: 500,
            body: { error: { message: 'boom', type: 'server_error', code: null } },
          }
        : defaultScript(request, n);
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 2 }));
    const result = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES });
    expect(result.choices[0]!.message.content).toBe(ANSWER_TOKENS.join(''));
    expect(fake.requests).toHaveLength(2);
    const all = await spans(1);
    expect(all).toHaveLength(1);
    expect(all[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('a synchronous SDK error reaches the caller unchanged, and the span records it', async () => {
    const client = wrapOpenAI(newClient());
    // parse() validates its tools before any request: non-strict function tools are refused.
    const bad = { model: 'm', messages: MESSAGES, tools: [{ type: 'function', function: { name: 'f' } }] };
    expect(() => client.chat.completions.parse(bad as never)).toThrow();
    expect(() => unwrapOpenAI(newClient()).chat.completions.parse(bad as never)).toThrow();
    expect(fake.requests).toHaveLength(0);
  });
});

describe('inside lazytrace', () => {
  test('an llm module calling a wrapped client is one generation, carrying model and usage', async () => {
    const client = wrapOpenAI(newClient());
    class Answer extends Module<string, string> {
      override kind = 'llm';
      async forward(question: string): Promise<string> {
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: question }],
          stream: true,
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        return text;
      }
    }
    const app = pipeline({ retrieve: fn(async (q: string) => q), answer: new Answer() }, { name: 'rag' });
    expect(await app.invoke('Hi?')).toBe(ANSWER_TOKENS.join(''));
    const all = await spans(3);
    expect(all.map((s) => s.name).sort()).toEqual(['answer', 'rag', 'retrieve']);
    const answer = all.find((s) => s.name === 'answer')!;
    expect(answer.attributes[A.GEN_AI_REQUEST_MODEL]).toBe('gpt-4o-mini');
    expect(answer.attributes[A.GEN_AI_RESPONSE_MODEL]).toBe('gpt-4o-mini-2024-08-06');
    expect(answer.attributes[A.GEN_AI_PROVIDER_NAME]).toBe('openai');
    expect(answer.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(12);
    expect(answer.attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(answer.attributes[A.ATTR_OUTPUT]).toBe(JSON.stringify(ANSWER_TOKENS.join('')));
  });

  test('an llm module that calls the client twice carries the sum of the usage', async () => {
    const client = wrapOpenAI(newClient());
    const twice = fn(
      async (q: string) => {
        await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: q }] });
        const r = await client.chat.completions.create({
          model: 'm',
          messages: [{ role: 'user', content: q }],
        });
        return r.choices[0]!.message.content;
      },
      { name: 'two-step', kind: 'llm' },
    );
    await twice.invoke('Hi');
    const all = await spans(1);
    expect(all.map((s) => s.name)).toEqual(['two-step']);
    expect(all[0]!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(24);
    expect(all[0]!.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS]).toBe(10);
    expect(all[0]!.attributes[A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]).toBe(8);
  });

  test('in any other module the call is its own span, nested under it', async () => {
    const client = wrapOpenAI(newClient());
    const tool = fn(
      async (q: string, _ctx: CallContext) => {
        const r = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: q }],
        });
        return r.choices[0]!.message.content;
      },
      { name: 'lookup', kind: 'tool' },
    );
    const app = pipeline({ lookup: tool }, { name: 'agent' });
    await app.invoke('Hi?');
    const all = await spans(3);
    const lookup = all.find((s) => s.name === 'lookup')!;
    const generation = all.find((s) => s.name === 'openai.chat.completions.create')!;
    expect(generation.parentSpanContext?.spanId).toBe(lookup.spanContext().spanId);
    expect(generation.attributes[A.ATTR_TRACE_NAME]).toBe('agent');
    expect(generation.attributes[A.ATTR_ROOT]).toBeUndefined();
  });

  test('an llm module whose tracing is switched off: the call gets its own span', async () => {
    const client = wrapOpenAI(newClient());
    const llm = fn(
      async (q: string) =>
        (await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: q }] }))
          .choices[0]!.message.content,
      { name: 'answer', kind: 'llm' },
    );
    await runWithTraceContext({ modules: { byName: { answer: false } } }, () => llm.invoke('Hi'));
    const all = await spans(1);
    expect(all.map((s) => s.name)).toEqual(['openai.chat.completions.create']);
  });

  test('switches, capture and mask apply as to any module', async () => {
    const client = wrapOpenAI(newClient(), { name: 'support-bot' });
    await runWithTraceContext({ modules: { byName: { 'support-bot': false } } }, () =>
      client.chat.completions.create({ model: 'm', messages: MESSAGES }),
    );
    await runWithTraceContext({ modules: { byClass: { OpenAI: { captureContent: false } } } }, () =>
      client.chat.completions.create({ model: 'm', messages: MESSAGES }),
    );
    configureTracing({ mask: (value, info) => (info.field === 'input' ? '[masked]' : value) });
    await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'my api_key is sk-1' }],
    });
    const all = await spans(2);
    expect(all).toHaveLength(2);
    expect(all[0]!.name).toBe('support-bot');
    expect(all[0]!.attributes[A.ATTR_INPUT]).toBeUndefined();
    expect(all[0]!.attributes[A.ATTR_OUTPUT]).toBeUndefined();
    expect(all[0]!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(12);
    expect(all[1]!.attributes[A.ATTR_INPUT]).toBe('"[masked]"');
  });

  test('captureContent: false keeps content out, model and usage in', async () => {
    const client = wrapOpenAI(newClient(), { captureContent: false });
    await client.chat.completions.create({ model: 'm', messages: MESSAGES });
    const [span] = await spans(1);
    expect(span!.attributes[A.ATTR_INPUT]).toBeUndefined();
    expect(span!.attributes[A.ATTR_OUTPUT]).toBeUndefined();
    expect(span!.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS]).toBe(5);
  });

  test('captureContent: false keeps a completion suffix (text of the prompt) out of the parameters', async () => {
    const client = wrapOpenAI(newClient(), { captureContent: false });
    await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Say hi',
      suffix: 'private text after the insertion point',
      max_tokens: 5,
    });
    const [span] = await spans(1);
    expect(JSON.stringify(span!.attributes)).not.toContain('private text');
    expect(span!.attributes[A.GEN_AI_REQUEST_MAX_TOKENS]).toBe(5);
    exporter.reset();
    // With content on, the suffix is recorded with the prompt, as input.
    await wrapOpenAI(newClient()).completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Say hi',
      suffix: 'private text after the insertion point',
    });
    const [on] = await spans(1);
    expect(String(on!.attributes[A.ATTR_INPUT])).toContain('private text');
  });

  test('tracing off: the call is made, no span', async () => {
    const client = wrapOpenAI(newClient());
    const r = await runWithTraceContext({ enabled: false }, () =>
      client.chat.completions.create({ model: 'm', messages: MESSAGES }),
    );
    expect(r.choices[0]!.message.content).toBe(ANSWER_TOKENS.join(''));
    await new Promise((res) => setTimeout(res, 30));
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  test('redaction of secrets in captured input', async () => {
    const client = wrapOpenAI(newClient());
    await client.responses.create({
      model: 'm',
      input: [{ role: 'user', content: 'hi', api_key: 'sk-secret' } as never],
    });
    const [span] = await spans(1);
    expect(String(span!.attributes[A.ATTR_INPUT])).not.toContain('sk-secret');
  });
});

describe('more endings', () => {
  test('a result awaited after its response arrived: one OK span with the output, not abandoned', async () => {
    configureTracing({ streamIdleTimeoutMs: 2_000 });
    const client = wrapOpenAI(newClient());
    const pending = client.chat.completions.create({ model: 'm', messages: MESSAGES });
    const stream = client.chat.completions.create({ model: 'm', messages: MESSAGES, stream: true });
    // Both responses are in before anyone asks for them: the idle rule watches them meanwhile.
    while (fake.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    const completion = await pending;
    let text = '';
    for await (const chunk of await stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(completion.choices[0]!.message.content).toBe(ANSWER_TOKENS.join(''));
    expect(text).toBe(ANSWER_TOKENS.join(''));
    const all = await spans(2);
    expect(all).toHaveLength(2);
    for (const span of all) {
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes[A.ATTR_STREAM_ABANDONED]).toBeUndefined();
      expect(json(span.attributes[A.ATTR_OUTPUT])).toMatchObject({ content: ANSWER_TOKENS.join('') });
    }
  });

  test('a Responses answer with status failed is an ERROR span, though nothing was thrown', async () => {
    fake.script = () => ({
      kind: 'json',
      body: {
        id: 'resp_9',
        object: 'response',
        status: 'failed',
        model: 'gpt-4.1-mini',
        output: [],
        error: { code: 'server_error', message: 'The model failed' },
        incomplete_details: null,
        usage: null,
      },
    });
    const client = wrapOpenAI(newClient());
    const response = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Hi' });
    expect(response.status).toBe('failed');
    const [span] = await spans(1);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'The model failed' });
    expect(span!.attributes[O.OPENAI_ERROR_CODE]).toBe('server_error');
    expect(span!.attributes[A.ATTR_ERROR_TYPE]).toBe('ResponseFailedError');
    expect(span!.attributes[O.GEN_AI_RESPONSE_ID]).toBe('resp_9');
  });

  test('concurrent streams of different sessions: each span has its own request’s context', async () => {
    const client = wrapOpenAI(newClient());
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runWithTraceContext({ sessionId: `s-${i}`, userId: `u-${i}` }, async () => {
          const stream = await client.chat.completions.create({
            model: `model-${i}`,
            messages: [{ role: 'user', content: `question ${i}` }],
            stream: true,
          });
          for await (const _ of stream) {
            // drain
          }
        }),
      ),
    );
    const all = await spans(20);
    expect(all).toHaveLength(20);
    for (const span of all) {
      const i = String(span.attributes[A.ATTR_SESSION_ID]).slice(2);
      expect(span.attributes[A.ATTR_USER_ID]).toBe(`u-${i}`);
      expect(span.attributes[A.GEN_AI_REQUEST_MODEL]).toBe(`model-${i}`);
      expect(json(span.attributes[A.ATTR_INPUT])).toEqual([{ role: 'user', content: `question ${i}` }]);
      expect(span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBe(12);
    }
  });

  test('a long streamed answer is recorded within the capture budget', async () => {
    configureTracing({ maxContentChars: 1_000 });
    fake.script = () => ({
      kind: 'sse',
      events: [
        ...Array.from({ length: 500 }, () => ({
          data: {
            id: 'c',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'm',
            choices: [{ index: 0, delta: { content: 'word ' } }],
          },
        })),
        { data: '[DONE]' },
      ],
    });
    try {
      const client = wrapOpenAI(newClient());
      const stream = await client.chat.completions.create({ model: 'm', messages: MESSAGES, stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toHaveLength(2_500);
      const [span] = await spans(1);
      const output = String(span!.attributes[A.ATTR_OUTPUT]);
      expect(output.length).toBeLessThanOrEqual(1_000);
      expect(span!.attributes[A.ATTR_STREAM_CHUNKS]).toBe(500);
    } finally {
      configureTracing({ maxContentChars: null });
    }
  });
});

describe('more shapes', () => {
  test('an llm module that returns the SDK stream itself: still one generation, with usage', async () => {
    const client = wrapOpenAI(newClient());
    class Chat extends Module<string, AsyncIterable<unknown>> {
      override kind = 'llm';
      async forward(question: string) {
        return client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: question }],
          stream: true,
        });
      }
    }
    const stream = (await new Chat({ name: 'chat' }).invoke('Hi')) as AsyncIterable<{
      choices: { delta: { content?: string } }[];
    }>;
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(ANSWER_TOKENS.join(''));
    const all = await spans(1);
    expect(all.map((s) => s.name)).toEqual(['chat']);
    expect(all[0]!.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS]).toBe(5);
    expect(all[0]!.attributes[A.GEN_AI_RESPONSE_MODEL]).toBe('gpt-4o-mini-2024-08-06');
  });

  test('a streamed Responses answer that fails (response.failed) ends as an error', async () => {
    fake.script = () => ({
      kind: 'sse',
      events: [
        {
          event: 'response.created',
          data: {
            type: 'response.created',
            response: { id: 'resp_f', model: 'm', status: 'in_progress', output: [] },
          },
        },
        {
          event: 'response.failed',
          data: {
            type: 'response.failed',
            response: {
              id: 'resp_f',
              model: 'm',
              status: 'failed',
              output: [],
              error: { code: 'server_error', message: 'The model failed' },
            },
          },
        },
      ],
    });
    const client = wrapOpenAI(newClient());
    const stream = await client.responses.create({ model: 'm', input: 'Hi', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['response.created', 'response.failed']);
    const [span] = await spans(1);
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'The model failed' });
    expect(span!.attributes[A.ATTR_STREAM]).toBe(true);
    expect(span!.attributes[O.GEN_AI_RESPONSE_ID]).toBe('resp_f');
  });

  test('Azure’s client is recorded with its provider name', async () => {
    const client = wrapOpenAI(
      new AzureOpenAI({
        apiKey: 'k',
        endpoint: fake.baseURL.replace('/v1', ''),
        apiVersion: '2024-10-21',
        maxRetries: 0,
      }),
    );
    await client.chat.completions.create({ model: 'deployment', messages: MESSAGES }).catch(() => {});
    const [span] = await spans(1);
    expect(span!.attributes[A.GEN_AI_PROVIDER_NAME]).toBe('azure.ai.openai');
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing } from '../../../../test/support/otel.js';
import { fn, Module, pipeline, setLogger } from '../index.js';
import { ATTR_OUTPUT } from '../tracing/attributes.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
const output = (name: string): unknown => {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  const value = span?.attributes[ATTR_OUTPUT];
  return typeof value === 'string' ? JSON.parse(value) : value;
};

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of stream) n++;
  return n;
}

/** OpenAI chat completion chunks as the SDK yields them (`stream: true`). */
function chatChunks(text: readonly string[], toolCalls = false): object[] {
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
  const chunks: object[] = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...text.map((t) => ({ ...base, choices: [{ index: 0, delta: { content: t }, finish_reason: null }] })),
  ];
  if (toolCalls) {
    chunks.push(
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '' },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      },
      ...['{"city"', ':"Paris"}'].map((a) => ({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: a } }] },
            finish_reason: null,
          },
        ],
      })),
    );
  }
  chunks.push({
    ...base,
    choices: [{ index: 0, delta: {}, finish_reason: toolCalls ? 'tool_calls' : 'stop' }],
  });
  chunks.push({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
  return chunks;
}

describe('stream aggregation by default', () => {
  it('OpenAI chat completion chunks are recorded as their text', async () => {
    const llm = fn(() => from(chatChunks(['Hel', 'lo', ' world'])), { name: 'chat', kind: 'llm' });
    await drain(await llm.invoke(null));
    expect(output('chat')).toBe('Hello world');
  });

  it('OpenAI chat tool calls are recorded with their id, name and arguments', async () => {
    const llm = fn(() => from(chatChunks(['Checking.'], true)), { name: 'chat' });
    await drain(await llm.invoke(null));
    expect(output('chat')).toEqual({
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    });
  });

  it('OpenAI Responses stream events: text deltas and a function call', async () => {
    const events = [
      { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', output: [] } },
      { type: 'response.in_progress', sequence_number: 1, response: { id: 'resp_1' } },
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { type: 'message', id: 'msg_1', role: 'assistant', content: [] },
      },
      {
        type: 'response.output_text.delta',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: 'Sunny',
      },
      {
        type: 'response.output_text.delta',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: ' today',
      },
      {
        type: 'response.output_text.done',
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        text: 'Sunny today',
      },
      {
        type: 'response.output_item.added',
        output_index: 1,
        item: { type: 'function_call', id: 'fc_1', call_id: 'call_9', name: 'forecast', arguments: '' },
      },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: '{"days":' },
      { type: 'response.function_call_arguments.delta', item_id: 'fc_1', output_index: 1, delta: '3}' },
      {
        type: 'response.function_call_arguments.done',
        item_id: 'fc_1',
        output_index: 1,
        arguments: '{"days":3}',
      },
      {
        type: 'response.completed',
        response: { id: 'resp_1', usage: { input_tokens: 3, output_tokens: 4 } },
      },
    ];
    const llm = fn(() => from(events), { name: 'responses' });
    await drain(await llm.invoke(null));
    expect(output('responses')).toEqual({
      role: 'assistant',
      content: 'Sunny today',
      tool_calls: [{ id: 'call_9', name: 'forecast', arguments: '{"days":3}' }],
    });
  });

  it('Anthropic message stream events: text blocks and a tool_use block', async () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_1', role: 'assistant', content: [], model: 'claude' } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'look.' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'search', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q": ' } },
      {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '"tides"}' },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 20 } },
      { type: 'message_stop' },
    ];
    const llm = fn(() => from(events), { name: 'claude' });
    await drain(await llm.invoke(null));
    expect(output('claude')).toEqual({
      role: 'assistant',
      content: 'Let me look.',
      tool_calls: [{ id: 'toolu_1', name: 'search', arguments: '{"q": "tides"}' }],
    });
    // Text only: just the text.
    exporter.reset();
    await drain(await fn(() => from(events.slice(0, 6)), { name: 'text' }).invoke(null));
    expect(output('text')).toBe('Let me look.');
  });

  it('a long stream of chunk objects is its text cut at the budget, not a list of chunks', async () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i} `);
    const llm = fn(() => from(chatChunks(words)), { name: 'long' });
    expect(await drain(await llm.invoke(null))).toBe(words.length + 3);
    const recorded = output('long');
    expect(typeof recorded).toBe('string');
    expect(recorded as string).toMatch(/^w0 w1 w2 w3 /);
    // The default budget is 4,096 characters: about 600 words of text, not 4 KB of chunk objects.
    expect((recorded as string).split(' ').length).toBeGreaterThan(500);
    expect((recorded as string).length).toBeLessThanOrEqual(4_096);
  });

  it('a flow whose result is the stream records the same text', async () => {
    const llm = fn(() => from(chatChunks(['a', 'b'])), { name: 'llm' });
    await drain(await pipeline([llm], { name: 'flow' }).invoke(null));
    expect(output('llm')).toBe('ab');
    expect(output('flow')).toBe('ab');
  });

  it('objects of another shape stay a list of chunks', async () => {
    await drain(await fn(() => from([{ n: 1 }, { n: 2 }]), { name: 'plain' }).invoke(null));
    expect(output('plain')).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('aggregate option', () => {
  it('Module and fn take aggregate(chunks) => output; the consumer still gets every chunk', async () => {
    class Numbers extends Module<number, AsyncIterable<number>> {
      async *forward(n: number) {
        for (let i = 1; i <= n; i++) yield i;
      }
    }
    const sum = (chunks: readonly unknown[]) => (chunks as number[]).reduce((a, b) => a + b, 0);
    const seen: number[] = [];
    for await (const n of await new Numbers({ aggregate: sum }).invoke(4)) seen.push(n);
    expect(seen).toEqual([1, 2, 3, 4]);
    await drain(
      await fn(() => from(['x', 'y']), { name: 'joined', aggregate: (c) => c.join('+') }).invoke(0),
    );
    expect(output('Numbers')).toBe(10);
    expect(output('joined')).toBe('x+y');
  });

  it('an aggregate that throws records the chunks, warns once, never reaches the consumer', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m: string) => warnings.push(m) });
    try {
      const broken = fn(() => from([1, 2]), {
        name: 'broken',
        aggregate: () => {
          throw new Error('bad aggregate');
        },
      });
      expect(await drain(await broken.invoke(0))).toBe(2);
      expect(await drain(await broken.invoke(0))).toBe(2);
      expect(output('broken')).toEqual([1, 2]);
      expect(warnings.filter((w) => w.includes('bad aggregate'))).toHaveLength(1);
    } finally {
      setLogger(undefined);
    }
  });

  it('rejects an aggregate that is not a function', () => {
    expect(() => fn(() => 1, { aggregate: 'text' as never })).toThrow(/"aggregate" must be a function/);
  });
});

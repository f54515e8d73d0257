import { initTracing, shutdownTracing } from '@lazytrace/config';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { buildChat } from './chat.js';

it('the streaming chat example: tokens stream through, usage and model land on the llm span', async () => {
  const exporter = new InMemorySpanExporter();
  initTracing({ backends: [{ name: 'memory', exporter, processing: 'simple' }], flushOnExit: false });
  try {
    let text = '';
    const stream = await buildChat(0).invoke('hi');
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['toMessages']);
    for await (const token of stream) text += token;
    expect(text).toBe('You asked: "hi". Streaming answers keep their span open until the last token.');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['toMessages', 'chat', 'chat-request']);
    const chat = spans[1]!.attributes;
    expect(chat['gen_ai.request.model']).toBe('fake-chat-large');
    expect(chat['gen_ai.response.model']).toBe('fake-chat-large-2026-05');
    expect(chat['gen_ai.usage.output_tokens']).toBe(13);
    expect(chat['gen_ai.usage.input_tokens']).toBe(8);
    expect(chat['lazytrace.output']).toBe(JSON.stringify(text));
  } finally {
    await shutdownTracing();
  }
});

import { initTracing, shutdownTracing } from '@lazytrace/config';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ragPipeline, streamAnswer, tracedClient, weatherRun } from './app.js';
import { type FakeServer, startFakeServer } from './fake-server.js';

let fake: FakeServer;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  fake = await startFakeServer();
  initTracing({ backends: [{ name: 'memory', exporter, processing: 'simple' }], flushOnExit: false });
});
afterAll(async () => {
  await shutdownTracing();
  await fake.close();
});

it('the openai-chat example: streamed answer, tool run and an llm module, each traced', async () => {
  const client = tracedClient({ baseURL: fake.baseURL, apiKey: 'sk-local-fake' });
  let printed = '';
  const text = await streamAnswer(client, 'gpt-4o-mini', 'What is a trace?', (t) => {
    printed += t;
  });
  expect(printed).toBe(text);
  expect(text).toContain('What is a trace?');
  expect(await weatherRun(client, 'gpt-4o-mini')).toContain('sunny and 21°C in Paris');
  expect(await ragPipeline(client, 'gpt-4o-mini').invoke('What does lazytrace record?')).toContain(
    'lazytrace',
  );

  const spans = exporter.getFinishedSpans();
  const names = spans.map((s) => s.name);
  // Stream: one span. runTools: the run and its two requests. Pipeline: rag, retrieve, prompt,
  // answer — the answer module is the generation, no extra OpenAI span under it.
  expect(names.filter((n) => n === 'openai.chat.completions.create')).toHaveLength(3);
  expect(names).toContain('openai.chat.completions.runTools');
  expect(names.filter((n) => ['rag', 'retrieve', 'prompt', 'answer'].includes(n)).sort()).toEqual([
    'answer',
    'prompt',
    'rag',
    'retrieve',
  ]);
  const stream = spans[0]!.attributes;
  expect(stream['gen_ai.usage.output_tokens']).toBe(9);
  expect(stream['lazytrace.stream']).toBe(true);
  const answer = spans.find((s) => s.name === 'answer')!.attributes;
  expect(answer['gen_ai.request.model']).toBe('gpt-4o-mini');
  expect(answer['gen_ai.response.model']).toBe('gpt-4o-mini-fake');
  expect(answer['gen_ai.usage.input_tokens']).toBe(21);
  expect(answer['gen_ai.request.temperature']).toBe(0.2);
});

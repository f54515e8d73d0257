/**
 * wrapOpenAI in an application. With OPENAI_API_KEY set it talks to OpenAI (model from
 * OPENAI_MODEL, default gpt-4o-mini); without it, to a local fake started here: no network needed.
 * The console backend prints each finished trace as a tree.
 */
import { initTracing, shutdownTracing, withTrace } from '@lazytrace/config';
import { ragPipeline, streamAnswer, tracedClient, weatherRun } from './app.js';
import { startFakeServer } from './fake-server.js';

const apiKey = process.env.OPENAI_API_KEY;
const fake = apiKey ? undefined : await startFakeServer();
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';
const client = tracedClient(fake ? { baseURL: fake.baseURL, apiKey: 'sk-local-fake' } : { apiKey: apiKey! });

initTracing({ serviceName: 'openai-chat', backends: ['console'] });
console.log(fake ? `Using a local fake OpenAI at ${fake.baseURL}\n` : `Using OpenAI (${model})\n`);

try {
  await withTrace({ sessionId: 'demo-session', userId: 'alice', tags: ['example'] }, async () => {
    await streamAnswer(client, model, 'In one sentence: what is a trace?', (t) => process.stdout.write(t));
    process.stdout.write('\n\n');
    console.log(await weatherRun(client, model), '\n');
    console.log(await ragPipeline(client, model).invoke('What does lazytrace record?'), '\n');
  });
} finally {
  await shutdownTracing();
  await fake?.close();
}

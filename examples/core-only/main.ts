// The example of packages/core/README.md: @lazytrace/core with the plain OTel SDK, no @lazytrace/config.

import { type CallContext, configureTracing, Module, parallel, pipeline, withTrace } from '@lazytrace/core';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
configureTracing({
  tracerProvider: new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  }),
});

class Retriever extends Module<string, string[]> {
  override kind = 'retriever';
  async forward(query: string) {
    return [`a document about ${query}`];
  }
}

class Llm extends Module<string, AsyncIterable<string>> {
  override kind = 'llm';
  async *forward(prompt: string, ctx: CallContext) {
    ctx.setModel({ request: 'fake-model', provider: 'fake' });
    for (const token of ['Hello', ' ', 'world']) yield token;
    ctx.setUsage({ inputTokens: prompt.length, outputTokens: 3 });
  }
}

// Record steps (keys name the spans) say their types: a question in, a token stream out.
const app = pipeline<string, AsyncIterable<string>>({
  retrieve: parallel({ first: new Retriever(), second: new Retriever() }),
  prompt: (docs: { first: string[] }, ctx: CallContext<string>) =>
    `Q: ${ctx.input}\n${docs.first.join('\n')}`,
  llm: new Llm(),
});

await withTrace({ sessionId: 's-1', userId: 'u-1', tags: ['example'] }, async () => {
  for await (const token of await app.invoke('tides')) process.stdout.write(token);
});

/**
 * `@traced` in a code base compiled with `experimentalDecorators: true`. Run in a child process
 * by `traced-legacy.test.ts` through tsx with this directory's tsconfig; prints the spans as JSON.
 * (The root typecheck checks this same file with standard decorators: `@traced` types both ways.)
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { attributes, configureTracing, traced } from '../../index.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
configureTracing({
  tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
});

class SearchService {
  constructor(private readonly prefix: string) {}

  @traced({ kind: 'tool' })
  async search(query: string): Promise<string> {
    return `${this.prefix}:${query}`;
  }

  @traced()
  async *tokens(text: string): AsyncGenerator<string> {
    for (const word of text.split(' ')) yield word;
  }

  @traced()
  static async health(): Promise<string> {
    return 'ok';
  }
}

class Detached {
  @traced()
  async double(x: number): Promise<number> {
    return x * 2;
  }
}

async function main(): Promise<void> {
  const service = new SearchService('kb');
  const results: unknown[] = [await service.search('tides')];
  const words: string[] = [];
  for await (const w of service.tokens('one two')) words.push(w);
  results.push(words, await SearchService.health());
  // Detached before any instance of the class was made: the legacy form knows the class anyway.
  const double = Detached.prototype.double;
  results.push(await double(4));
  const spans = exporter.getFinishedSpans().map((s) => ({
    name: s.name,
    kind: s.attributes[attributes.ATTR_KIND],
    input: s.attributes[attributes.ATTR_INPUT],
    output: s.attributes[attributes.ATTR_OUTPUT],
  }));
  process.stdout.write(JSON.stringify({ results, spans }));
}

void main();

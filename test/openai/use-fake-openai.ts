import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.js';

/**
 * The setup the OpenAI test files share: one fake server for the file, every test starting from
 * its default answers with no recorded requests and no finished spans. Kept apart from
 * `fake-openai.ts` because that file also serves the bench and the child-process fixtures, which
 * do not run under vitest.
 */
export function useFakeOpenAI(exporter: InMemorySpanExporter): {
  /** The file's server (valid from `beforeAll` on); `script` is reset before each test. */
  readonly fake: FakeOpenAI;
  /** A client of the fake server that does not retry. */
  newClient(): OpenAI;
  /** The finished spans once there are `count` of them (or after 5 s), and a short settle. */
  spans(count: number): Promise<ReadableSpan[]>;
} {
  let server: FakeOpenAI | undefined;
  const current = (): FakeOpenAI => {
    if (server === undefined) throw new Error('the fake OpenAI server is started in beforeAll');
    return server;
  };
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    exporter.reset();
    current().script = undefined;
    current().requests.length = 0;
  });
  const fake: FakeOpenAI = {
    get baseURL() {
      return current().baseURL;
    },
    get requests() {
      return current().requests;
    },
    get script() {
      return current().script;
    },
    set script(script) {
      current().script = script;
    },
    close: () => current().close(),
  };
  return {
    fake,
    newClient: () => new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }),
    async spans(count) {
      const deadline = Date.now() + 5_000;
      while (exporter.getFinishedSpans().length < count && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 20));
      return exporter.getFinishedSpans();
    },
  };
}

import { attributes as A, fn, type Hook, Module, registerHookProvider, withTrace } from '@lazytrace/core';
import { wrapOpenAI } from '@lazytrace/openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorReply, type FakeOpenAI, startFakeOpenAI } from '../openai/fake-openai.js';
import { installTestTracing, uninstallTestTracing } from '../support/otel.js';

// Review of @lazytrace/openai's recent changes (8649699 "a call that does not record goes out as
// written", cddf2d5 "usage: null kept from the caller by a copy", ce10602 key redaction): what
// the application receives must be what the plain SDK gives it — same chunks, same keys in the
// same order, no extra usage chunk — whether the call records, is sampled out or is switched
// off, with concurrent requests and a user hook added while they run.

const { exporter } = installTestTracing();
afterAll(() => uninstallTestTracing());
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ lifetimeMs: 20_000 });
});
afterAll(() => fake.close());
beforeEach(() => {
  exporter.reset();
  fake.script = undefined;
  fake.requests.length = 0;
});

/** Waits (bounded by expect.poll's timeout) until `count` spans have ended: a span ends when its stream is done. */
const spansEnded = (count: number) => expect.poll(() => exporter.getFinishedSpans().length).toBe(count);

const plainClient = () => new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 });
const MESSAGES = [{ role: 'user' as const, content: 'Hi' }];

type Asked = 'no usage' | 'usage';
async function readChat(client: OpenAI, asked: Asked, tag = 'ref'): Promise<string[]> {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: tag }],
    stream: true,
    ...(asked === 'usage' ? { stream_options: { include_usage: true } } : {}),
  });
  // JSON text of each chunk: same keys, same order, same values (toEqual would ignore a key
  // left as undefined and the order).
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(`${Object.keys(chunk).join(',')}|${JSON.stringify(chunk)}`);
  return chunks;
}

describe('what the application receives from a wrapped client', () => {
  it('chunks are key for key what the plain SDK gives: recorded, sampled out and off, usage asked or not, 12 requests at once, a hook added mid-run', async () => {
    const reference = {
      'no usage': await readChat(plainClient(), 'no usage'),
      usage: await readChat(plainClient(), 'usage'),
    };
    expect(reference['no usage'].some((c) => c.includes('"usage"'))).toBe(false);
    expect(reference.usage.at(-1)).toContain('"prompt_tokens"');
    fake.requests.length = 0;

    const client = wrapOpenAI(plainClient());
    let hookRuns = 0;
    class Counting implements Hook {
      pre() {
        hookRuns++;
      }
    }
    let remove: (() => void) | undefined;
    const modes = [{ sessionId: 'rec' }, { sampled: false }, { enabled: false }] as const;
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const mode = modes[i % 3]!;
          const asked: Asked = i % 2 === 0 ? 'no usage' : 'usage';
          if (i === 6) remove = registerHookProvider(() => [Counting]);
          const chunks = await withTrace(mode, () => readChat(client, asked, `r${i}`));
          return { i, asked, chunks };
        }),
      );
      for (const { i, asked, chunks } of results) expect([i, chunks]).toEqual([i, reference[asked]]);
    } finally {
      remove?.();
    }
    expect(hookRuns).toBeGreaterThan(0);
    // Calls that do not record go out as written; recorded ones ask for usage on a copy.
    const bodies = fake.requests.map((r) => r.body);
    expect(bodies).toHaveLength(12);
    const sent = bodies.map((b) => b.stream_options?.include_usage === true);
    const index = (b: { messages: { content: string }[] }) => Number(b.messages[0]!.content.slice(1));
    // The 6 callers who asked, plus the 2 recorded calls (i = 0, 6) that did not ask.
    expect(sent.filter(Boolean).length).toBe(8);
    for (const b of bodies)
      expect([index(b), b.stream_options?.include_usage === true]).toEqual([
        index(b),
        index(b) % 2 === 1 || index(b) % 3 === 0,
      ]);
    // One span per recorded request (4), each with the usage, whatever the caller asked.
    await spansEnded(4);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(4);
    for (const span of spans) {
      expect(span.attributes['session.id']).toBe('rec');
      expect(span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBeGreaterThan(0);
    }
  });

  it('a failed request: the caller’s error is the SDK’s own (message with the key intact); the span has the key redacted', async () => {
    const KEY = 'sk-proj-AbCdEf0123456789_ghIJkl-mnOPqr';
    fake.script = () =>
      errorReply(401, {
        message: `Incorrect API key provided: ${KEY}.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
    const plainError = await plainClient()
      .chat.completions.create({ model: 'm', messages: MESSAGES })
      .catch((e: unknown) => e);
    const wrappedError = await wrapOpenAI(plainClient())
      .chat.completions.create({ model: 'm', messages: MESSAGES })
      .catch((e: unknown) => e);
    expect(wrappedError).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((wrappedError as Error).message).toBe((plainError as Error).message);
    expect((wrappedError as Error).message).toContain(KEY);
    await spansEnded(1);
    const text = exporter
      .getFinishedSpans()
      .flatMap((s) => [
        s.status.message,
        ...Object.values(s.attributes),
        ...s.events.flatMap((e) => Object.values(e.attributes ?? {})),
      ])
      .map(String)
      .join('\n');
    expect(text).toContain('Incorrect API key provided');
    expect(text).not.toContain(KEY);
  });
  it('responses.create stream and chat.completions.stream(): events key for key as the plain SDK, recorded or sampled out', async () => {
    const read = async (client: OpenAI) => {
      const out: string[] = [];
      const responses = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hi', stream: true });
      for await (const event of responses)
        out.push(`${Object.keys(event).join(',')}|${JSON.stringify(event)}`);
      const helper = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: MESSAGES });
      for await (const chunk of helper) out.push(`${Object.keys(chunk).join(',')}|${JSON.stringify(chunk)}`);
      out.push(JSON.stringify(await helper.finalChatCompletion()));
      return out;
    };
    const reference = await read(plainClient());
    const wrapped = wrapOpenAI(plainClient());
    expect(await withTrace({ sessionId: 'rec' }, () => read(wrapped))).toEqual(reference);
    expect(await withTrace({ sampled: false }, () => read(wrapped))).toEqual(reference);
    await spansEnded(2);
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['openai.chat.completions.stream', 'openai.responses.create']);
  });
  // Was a bug (include_usage added for a call whose module is switched off: recording read from the
  // active span, which is the caller's there); fixed by the openai helper in 03ae330 (ctx.recording).
  it('an openai call switched off by a module switch (under a recorded flow) goes out as written, as a sampled-out one does', async () => {
    const client = wrapOpenAI(plainClient());
    const reference = await readChat(plainClient(), 'no usage', 'off');
    fake.requests.length = 0;
    const app = fn(async (tag: string) => readChat(client, 'no usage', tag), { name: 'app-flow' });
    for (const modules of [
      { byName: { 'openai.chat.completions.create': false } },
      { byKind: { llm: false } },
    ]) {
      const chunks = await withTrace({ modules }, () => app.invoke('off'));
      expect(chunks).toEqual(reference);
    }
    await spansEnded(2);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['app-flow', 'app-flow']);
    // ctx.recording is false for a module switched off: nothing is recorded for it, so nothing is
    // asked for on the caller's behalf (the request is the caller's, as for sampled-out calls).
    expect(fake.requests.map((r) => r.body.stream_options)).toEqual([undefined, undefined]);
  });
  it('a recorded chat stream read through tee() or toReadableStream(): the same text as the plain SDK (no usage the caller did not ask for)', async () => {
    const body = { model: 'gpt-4o-mini', messages: MESSAGES, stream: true as const };
    const viaReadable = async (client: OpenAI) => {
      const stream = await client.chat.completions.create(body);
      return new Response(stream.toReadableStream()).text();
    };
    const viaTee = async (client: OpenAI) => {
      const [left, right] = (await client.chat.completions.create(body)).tee();
      const texts: string[] = [];
      for (const side of [left, right]) for await (const c of side) texts.push(JSON.stringify(c));
      return texts.join('\n');
    };
    for (const read of [viaReadable, viaTee]) {
      const reference = await read(plainClient());
      expect(reference).not.toContain('prompt_tokens');
      expect(await withTrace({ sessionId: 'rec' }, () => read(wrapOpenAI(plainClient())))).toBe(reference);
    }
  });
  it('inside an llm Module (the module is the generation): chunks as the plain SDK, usage on the module span, no extra span', async () => {
    const client = wrapOpenAI(plainClient());
    const reference = await readChat(plainClient(), 'no usage', 'in-module');
    class Chat extends Module<string, string[]> {
      override kind = 'llm';
      async forward(tag: string) {
        return readChat(client, 'no usage', tag);
      }
    }
    const chat = new Chat({ name: 'chat-module' });
    expect(await withTrace({ sessionId: 'm' }, () => chat.invoke('in-module'))).toEqual(reference);
    await spansEnded(1);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['chat-module']);
    expect(spans[0]!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBeGreaterThan(0);
  });
});

import { attributes as A, configureTracing } from '@lazytrace/core';
import { wrapOpenAI } from '@lazytrace/openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../openai/fake-openai.js';
import { installTestTracing, uninstallTestTracing } from '../support/otel.js';

// Review of @lazytrace/openai's shared idle timer (ce10602). Its own file: the timer is shared by
// the process, so its phase here is set by this test's first call only.

const PERIOD = 100;
const { exporter } = installTestTracing();
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ lifetimeMs: 20_000 });
  configureTracing({ streamIdleTimeoutMs: PERIOD });
});
afterAll(async () => {
  configureTracing({ streamIdleTimeoutMs: null });
  await fake.close();
  uninstallTestTracing();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the idle rule with one shared timer', () => {
  it('a stream the app starts reading less than one timeout after it got it is not closed as abandoned (its API promise was awaited a little late)', async () => {
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 }));
    const pending = client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    // The app does other work first: the response arrives, one idle check passes (it is not
    // idle for two checks yet), then the app takes the stream …
    const deadline = Date.now() + 5_000;
    while (fake.requests.length === 0 && Date.now() < deadline) await pause(1);
    await pause(PERIOD * 1.5);
    const stream = await pending;
    // … and reads it after a pause shorter than the idle timeout.
    await pause(PERIOD * 0.9);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the fake.');
    await pause(20);
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes[A.ATTR_STREAM_ABANDONED]).toBeUndefined();
    expect(span?.attributes[A.ATTR_STREAM_CHUNKS]).toBeGreaterThan(1);
    expect(span?.attributes[A.ATTR_OUTPUT]).toContain('Hello from the fake.');
  });
});

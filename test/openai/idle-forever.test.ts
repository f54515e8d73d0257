import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, expect, test } from 'vitest';
import { attributes as A, configureTracing } from '../../packages/core/src/index.js';
import { wrapOpenAI } from '../../packages/openai/src/index.js';
import { installTestTracing } from '../support/otel.js';
import { ANSWER_TOKENS } from './fake-openai.js';
import { useFakeOpenAI } from './use-fake-openai.js';

/**
 * `streamIdleTimeoutMs: Infinity` ("never judge a stream idle") in a file of its own: the idle
 * timer is shared by every call of the module, so a timer armed by an earlier test would hide
 * what the first watch of the process does with such a period.
 */
const { exporter } = installTestTracing();
const { newClient, spans } = useFakeOpenAI(exporter);
afterAll(() => configureTracing({ streamIdleTimeoutMs: null }));

test('an unbounded idle timeout never ends a stream read late, and puts no warning on the process', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on('warning', onWarning);
  try {
    configureTracing({ streamIdleTimeoutMs: Number.POSITIVE_INFINITY });
    const stream = await wrapOpenAI(newClient()).chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    // Left unread for a while: many ticks of a timer that fired after 1 ms.
    await new Promise((r) => setTimeout(r, 60));
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(ANSWER_TOKENS.join(''));
    const [span] = await spans(1);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes[A.ATTR_STREAM_ABANDONED]).toBeUndefined();
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  } finally {
    process.off('warning', onWarning);
  }
});

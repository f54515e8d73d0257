import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterEach, describe, expect, test } from 'vitest';
import {
  attributes as A,
  type CallContext,
  configureTracing,
  Module,
} from '../../packages/core/src/index.js';
import { wrapOpenAI } from '../../packages/openai/src/index.js';
import { installTestTracing } from '../support/otel.js';
import { errorReply } from './fake-openai.js';
import { useFakeOpenAI } from './use-fake-openai.js';

/**
 * What a span keeps from the request when it should not keep content: credentials echoed in
 * provider error text, and the stop sequences of a call whose content capture is off.
 */
const { exporter } = installTestTracing();
const { fake, newClient, spans } = useFakeOpenAI(exporter);
afterEach(() => configureTracing({ mask: null }));

const MESSAGES = [{ role: 'user' as const, content: 'Hi' }];

/** Everything a backend receives about the failure: status message, exception event. */
function recordedErrorText(span: ReadableSpan): string {
  return JSON.stringify({ status: span.status, events: span.events.map((e) => e.attributes) });
}

const KEY = 'sk-proj-AbCdEf0123456789_ghIJkl-mnOPqr';

describe('credentials in provider error text', () => {
  test('an API key echoed in the error message is redacted on the span, the rest kept; the caller gets the SDK error untouched', async () => {
    fake.script = () =>
      errorReply(401, {
        message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
    const error = await wrapOpenAI(newClient())
      .chat.completions.create({ model: 'm', messages: MESSAGES })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toContain(KEY);
    expect((error as Error).stack).toContain(KEY);
    const [span] = await spans(1);
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(recordedErrorText(span!)).not.toContain('AbCdEf0123456789');
    expect(span!.status.message).toBe(
      '401 Incorrect API key provided: [REDACTED]. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
    const exception = span!.events.find((e) => e.name === 'exception')!.attributes!;
    expect(exception['exception.message']).toBe(span!.status.message);
    expect(String(exception['exception.stacktrace'])).toContain('Incorrect API key provided: [REDACTED].');
    expect(span!.attributes[A.ATTR_ERROR_TYPE]).toBe('AuthenticationError');
  });

  test('the half-starred key OpenAI echoes, a bearer token (any case) and a legacy key are all redacted', async () => {
    const messages = [
      'Incorrect API key provided: sk-abc12***************************wxyz.',
      'proxy refused Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      'key sk-0123456789abcdefABCDEF0123456789abcdefABCDEF01 is disabled',
      'upstream said: authorization: bearer eyJhbGciOiJub25lIn0.e30.',
    ];
    const client = wrapOpenAI(newClient());
    for (const message of messages) {
      fake.script = () => errorReply(401, { message, type: 'invalid_request_error', code: null });
      await client.chat.completions.create({ model: 'm', messages: MESSAGES }).catch(() => undefined);
    }
    const all = await spans(4);
    expect(all.map((s) => s.status.message)).toEqual([
      '401 Incorrect API key provided: [REDACTED].',
      '401 proxy refused Authorization: Bearer [REDACTED]',
      '401 key [REDACTED] is disabled',
      '401 upstream said: authorization: bearer [REDACTED]',
    ]);
    for (const span of all) expect(recordedErrorText(span)).not.toMatch(/wxyz|eyJ|0123456789abcdef/);
  });

  test('a message without a key is recorded as it is, and the user mask still sees the message', async () => {
    fake.script = () =>
      errorReply(429, { message: 'Rate limit reached for gpt-4o', type: 'rate_limit_error', code: null });
    const seen: string[] = [];
    configureTracing({
      mask: (value, info) => {
        if (info.field === 'error' && typeof value === 'string') seen.push(value);
        return value;
      },
    });
    await wrapOpenAI(newClient())
      .chat.completions.create({ model: 'm', messages: MESSAGES })
      .catch(() => undefined);
    const [span] = await spans(1);
    expect(span!.status.message).toBe('429 Rate limit reached for gpt-4o');
    expect(seen).toContain('429 Rate limit reached for gpt-4o');
  });

  test('a runTools run records the failed request with the key redacted too', async () => {
    fake.script = () =>
      errorReply(401, {
        message: `Incorrect API key provided: ${KEY}.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
    const runner = wrapOpenAI(newClient()).chat.completions.runTools({
      model: 'm',
      messages: MESSAGES,
      tools: [
        {
          type: 'function',
          function: {
            name: 'noop',
            description: 'Does nothing',
            parameters: { type: 'object', properties: {} },
            parse: JSON.parse,
            function: () => 'ok',
          },
        },
      ],
    });
    await runner.done().catch(() => undefined);
    const all = await spans(2);
    expect(all).toHaveLength(2);
    for (const span of all) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(recordedErrorText(span)).not.toContain('AbCdEf0123456789');
      expect(span.status.message).toContain('[REDACTED]');
    }
  });
});

describe('stop sequences with content capture off', () => {
  /** What core records for a hand-written `llm` module reporting the same `stop`, content off. */
  async function coreRecords(stop: string | string[]): Promise<ReadableSpan> {
    class Llm extends Module<string, string> {
      forward(_input: string, ctx: CallContext): string {
        ctx.setModelParameters({ stop });
        return 'ok';
      }
    }
    const module = new Llm({ name: 'hand-written', kind: 'llm' });
    exporter.reset();
    const { runWithTraceContext } = await import('../../packages/core/src/internal.js');
    await runWithTraceContext({ captureContent: false }, () => module.invoke('q'));
    const [span] = await spans(1);
    exporter.reset();
    return span!;
  }

  const stopAttributes = (span: ReadableSpan): unknown => ({
    sequences: span.attributes[A.GEN_AI_REQUEST_STOP_SEQUENCES],
    inParameters: (JSON.parse(String(span.attributes[A.ATTR_MODEL_PARAMETERS])) as { stop?: unknown }).stop,
  });

  test.each([
    ['a list', ['\nUser:', 'END']],
    ['a string', '###'],
  ])('stop as %s is a request parameter, recorded as core records it for any module', async (_, stop) => {
    const expected = stopAttributes(await coreRecords(stop));
    await wrapOpenAI(newClient(), { captureContent: false }).chat.completions.create({
      model: 'm',
      messages: MESSAGES,
      stop,
    });
    const [span] = await spans(1);
    expect(span!.attributes[A.ATTR_INPUT]).toBeUndefined();
    expect(stopAttributes(span!)).toEqual(expected);
    expect(stopAttributes(span!)).toEqual({
      sequences: Array.isArray(stop) ? stop : [stop],
      inParameters: stop,
    });
  });
});

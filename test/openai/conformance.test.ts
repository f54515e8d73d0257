import { type DiagLogger, DiagLogLevel, diag, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { attributes as A, configureTracing } from '../../packages/core/src/index.js';
import { openaiAttributes as O, wrapOpenAI } from '../../packages/openai/src/index.js';
import { installTestTracing } from '../support/otel.js';
import { type FakeOpenAI, startFakeOpenAI } from './fake-openai.js';
import { type Cell, isStreamMethod, matrix, runScenario, scriptFor } from './scenarios.js';

/**
 * The conformance matrix: every traced method × how the call ends × how the caller reads it.
 * Each cell runs the same scenario against the same server script twice, with an unwrapped and a
 * wrapped client, and checks (1) the caller saw exactly the same thing, (2) the spans the call
 * produced each ended exactly once, with the status and ending the cell calls for.
 */
const IDLE_MS = 150;
const { exporter } = installTestTracing();

/** The OTel SDK reports a second `end()` of a span through diag: collected, must stay empty. */
const diagMessages: string[] = [];
const collect = (...args: unknown[]) => diagMessages.push(args.map(String).join(' '));
const logger: DiagLogger = {
  error: collect,
  warn: collect,
  info: () => {},
  debug: () => {},
  verbose: () => {},
};

let fake: FakeOpenAI;
beforeAll(async () => {
  diag.setLogger(logger, DiagLogLevel.WARN);
  configureTracing({ streamIdleTimeoutMs: IDLE_MS });
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  configureTracing({ streamIdleTimeoutMs: null });
  diag.disable();
  await fake.close();
});
beforeEach(() => {
  exporter.reset();
  diagMessages.length = 0;
});

const client = (): OpenAI =>
  new OpenAI({ apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, timeout: 10_000 });

/** Waits until `count` spans finished (or fails after a few seconds), then a little longer. */
async function spansAfter(count: number, settleMs = 30): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 5_000;
  while (exporter.getFinishedSpans().length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  // Long enough for a late second end (or an extra span) to show up.
  await new Promise((r) => setTimeout(r, settleMs));
  return exporter.getFinishedSpans();
}

type Outcome = 'ok' | 'cancelled' | 'abandoned' | 'raw' | 'error';

function expectedOutcome(cell: Cell): Outcome {
  switch (cell.ending) {
    case 'complete':
      return cell.access === 'asResponse' ? 'raw' : 'ok';
    case 'break':
    case 'signal':
      return 'cancelled';
    case 'abort':
      // A stream aborted mid-way ends quietly for the caller; a request aborted before its
      // answer throws APIUserAbortError at the caller.
      return isStreamMethod(cell.method) ? 'cancelled' : 'error';
    case 'never iterated':
      return 'abandoned';
    default:
      return 'error';
  }
}

function checkOutcome(span: ReadableSpan, outcome: Outcome): void {
  const attrs = span.attributes;
  expect(span.status.code, `status of ${span.name}: ${span.status.message}`).toBe(
    outcome === 'error' ? SpanStatusCode.ERROR : SpanStatusCode.UNSET,
  );
  expect(attrs[A.ATTR_STREAM_CANCELLED] === true, 'cancelled').toBe(outcome === 'cancelled');
  expect(attrs[A.ATTR_STREAM_ABANDONED] === true, 'abandoned').toBe(outcome === 'abandoned');
  expect(attrs[O.OPENAI_RAW_RESPONSE] === true, 'raw response').toBe(outcome === 'raw');
}

function expectEndedOnce(spans: readonly ReadableSpan[]): void {
  const ids = spans.map((s) => s.spanContext().spanId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(diagMessages.filter((m) => /end|ended/i.test(m))).toEqual([]);
}

const cells = matrix();
const runners = cells.filter((c) => c.method.startsWith('chat.completions.runTools'));
const singles = cells.filter((c) => !c.method.startsWith('chat.completions.runTools'));

describe('one span per call', () => {
  test.each(singles)('$method × $ending × $access', async (cell) => {
    fake.script = scriptFor(cell);
    const unwrapped = await runScenario(client(), cell);
    const afterUnwrapped = exporter.getFinishedSpans().length;
    expect(afterUnwrapped).toBe(0);

    const wrapped = await runScenario(wrapOpenAI(client()), cell);
    expect(wrapped).toEqual(unwrapped);

    const outcome = expectedOutcome(cell);
    const spans = await spansAfter(1, outcome === 'abandoned' ? 3 * IDLE_MS : 30);
    expect(spans.map((s) => s.name)).toHaveLength(1);
    const [span] = spans;
    expect(span!.attributes[A.ATTR_KIND]).toBe(cell.method === 'embeddings.create' ? 'embedding' : 'llm');
    checkOutcome(span!, outcome);
    expectEndedOnce(spans);
    if (outcome === 'error') {
      expect(span!.events.some((e) => e.name === 'exception')).toBe(true);
      if (cell.ending === 'http error') {
        expect(span!.attributes[O.HTTP_RESPONSE_STATUS_CODE]).toBe(429);
        expect(span!.attributes[O.OPENAI_ERROR_CODE]).toBe('rate_limit_exceeded');
        expect(span!.attributes[O.OPENAI_REQUEST_ID]).toMatch(/^req_\d+$/);
      }
    }
    // Usage on every complete call; a legacy completions stream has it only if the caller asked.
    if (outcome === 'ok' && cell.method !== 'completions.create(stream)') {
      expect(span!.attributes[A.GEN_AI_USAGE_INPUT_TOKENS]).toBeGreaterThan(0);
      expect(span!.attributes['gen_ai.response.model']).toMatch(/./);
    }
  });
});

describe('runTools: one span per request under one parent', () => {
  test.each(runners)('$method × $ending × $access', async (cell) => {
    fake.script = scriptFor(cell);
    const unwrapped = await runScenario(client(), cell);
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    const wrapped = await runScenario(wrapOpenAI(client()), cell);
    expect(wrapped).toEqual(unwrapped);

    // An abort from inside the tool ends the run after the first request (the runner makes no
    // second one, or one that fails at once): wait for what is certain, then settle.
    const requests = cell.ending === 'http error' || cell.ending === 'abort' ? 1 : 2;
    const spans = await spansAfter(1 + requests, cell.ending === 'abort' ? 150 : 60);
    expectEndedOnce(spans);
    const parents = spans.filter((s) => s.attributes[A.ATTR_KIND] === 'agent');
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    const children = spans.filter((s) => s !== parent);
    for (const child of children) {
      expect(child.attributes[A.ATTR_KIND]).toBe('llm');
      expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    }
    switch (cell.ending) {
      case 'complete':
        checkOutcome(parent, 'ok');
        expect(children).toHaveLength(2);
        for (const child of children) checkOutcome(child, 'ok');
        break;
      case 'http error':
        checkOutcome(parent, 'error');
        expect(children).toHaveLength(1);
        checkOutcome(children[0]!, 'error');
        expect(parent.status.message).toMatch(/429/);
        break;
      case 'error mid-stream':
        checkOutcome(parent, 'error');
        expect(children).toHaveLength(2);
        expect(children.map((c) => c.status.code).sort()).toEqual([
          SpanStatusCode.UNSET,
          SpanStatusCode.ERROR,
        ]);
        break;
      case 'abort':
        checkOutcome(parent, 'cancelled');
        break;
    }
  });
});

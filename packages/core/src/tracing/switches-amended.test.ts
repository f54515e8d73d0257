import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, parentId, uninstallTestTracing } from '../../../../test/support/otel.js';
import { configureTracing, fn, getTraceId, Module, parallel, pipeline } from '../index.js';
import { runWithTraceContext } from '../internal.js';
import * as A from './attributes.js';

// Issue 9, items 3 and 4 (DESIGN amendments "Per-module content off holds everywhere" and
// "Switching a flow off removes its span, never splits a request").

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
afterAll(() => uninstallTestTracing());

const ANSWER = 'the secret answer 42';

class Llm extends Module<string, string> {
  override kind = 'llm';
  async forward(prompt: string) {
    await new Promise((r) => setTimeout(r, 1));
    return `${ANSWER} (${prompt.length})`;
  }
}

/** Every attribute value of every finished span, as one text. */
const allRecorded = () =>
  exporter
    .getFinishedSpans()
    .map((s) => JSON.stringify(s.attributes))
    .join('\n');

describe('per-module content off holds everywhere (item 3)', () => {
  const llmOff = { modules: { byKind: { llm: { captureContent: false } } } };

  it('the LLM’s answer is not recorded as the output of the pipeline that returns it', async () => {
    const rag = pipeline({ retrieve: (q: string) => `docs for ${q}`, llm: new Llm() }, { name: 'rag' });
    const out = await runWithTraceContext(llmOff, () => rag.invoke('q'));
    expect(out).toContain(ANSWER);
    expect(allRecorded()).not.toContain(ANSWER);
    const spans = exporter.getFinishedSpans();
    // The rest is still captured.
    expect(spans.find((s) => s.name === 'retrieve')!.attributes[A.ATTR_OUTPUT]).toBe('"docs for q"');
    expect(spans.find((s) => s.name === 'rag')!.attributes[A.ATTR_INPUT]).toBe('"q"');
  });

  it('nor as the input of a later step, nor inside what a parent derives from it, nor a stream', async () => {
    const format = (answer: string) => `Answer: ${answer.toUpperCase()}`;
    const nested = pipeline(
      {
        both: parallel({ a: new Llm(), b: (q: string) => q }),
        pick: (r: { a: string }) => r.a,
        judge: fn((a: string) => a.length, { name: 'judge', kind: 'evaluator' }),
      },
      { name: 'outer' },
    );
    await runWithTraceContext(llmOff, () => nested.invoke('q'));
    await runWithTraceContext(llmOff, () =>
      pipeline({ llm: new Llm(), format }, { name: 'fmt' }).invoke('q'),
    );
    const streaming = pipeline(
      {
        llm: fn(
          async function* () {
            yield ANSWER.slice(0, 5);
            yield ANSWER.slice(5);
          },
          { kind: 'llm' },
        ),
      },
      { name: 'streamed' },
    );
    const stream = (await runWithTraceContext(llmOff, () => streaming.invoke('q'))) as AsyncIterable<string>;
    let text = '';
    for await (const chunk of stream) text += chunk;
    expect(text).toBe(ANSWER);
    const recorded = allRecorded();
    expect(recorded).not.toContain(ANSWER);
    expect(recorded).not.toContain(ANSWER.toUpperCase());
    expect(recorded).not.toContain(ANSWER.slice(5));
  });
});

describe('switching a flow off never splits a request (item 4)', () => {
  it('a root flow switched off: its children share one trace, each marked as a request root', async () => {
    let idInside: string | undefined;
    const rag = pipeline(
      {
        retrieve: async (q: string) => {
          idInside = getTraceId();
          return `docs for ${q}`;
        },
        rerank: (d: string) => d,
        llm: new Llm(),
      },
      { name: 'rag' },
    );
    await runWithTraceContext({ modules: { byName: { rag: false } } }, () => rag.invoke('q'));
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['llm', 'rerank', 'retrieve']);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(idInside).toBe(spans[0]!.spanContext().traceId);
    for (const span of spans) {
      expect(span.attributes[A.ATTR_ROOT]).toBe(true);
      expect(span.attributes[A.ATTR_TRACE_NAME]).toBe('rag');
      // Their parent is a stand-in nobody exports: the same for all of them.
      expect(parentId(span)).toBe(parentId(spans[0]!));
    }
    // Two requests: two traces.
    await runWithTraceContext({ modules: { byName: { rag: false } } }, () => rag.invoke('q2'));
    expect(new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId)).size).toBe(2);
  });

  it('a nested flow switched off: its children nest under the nearest traced ancestor, grandchildren are not roots', async () => {
    const inner = pipeline({ a: (x: string) => x, b: pipeline({ c: (x: string) => x }, { name: 'deep' }) });
    const outerOff = pipeline({ inner }, { name: 'outer' });
    await runWithTraceContext({ modules: { byName: { outer: false } } }, () => outerOff.invoke('x'));
    const spans = exporter.getFinishedSpans();
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    const roots = spans.filter((s) => s.attributes[A.ATTR_ROOT] === true).map((s) => s.name);
    expect(roots).toEqual(['inner']);
  });

  it('lazytrace’s sampler decides a request whose root is off as a whole, by its rate', async () => {
    const { LazytraceSampler } = await import('../../../config/src/sampler.js');
    const spansAt = async (rate: number) => {
      const memory = new InMemorySpanExporter();
      configureTracing({
        tracerProvider: new BasicTracerProvider({
          sampler: new LazytraceSampler(rate),
          spanProcessors: [new SimpleSpanProcessor(memory)],
        }),
      });
      const app = pipeline({ a: (x: string) => x, b: pipeline({ c: (x: string) => x }) }, { name: 'off' });
      for (let i = 0; i < 20; i++)
        await runWithTraceContext({ modules: { byName: { off: false } } }, () => app.invoke('x'));
      return memory.getFinishedSpans();
    };
    // Rate 0: the stand-in parent must not count as "parent sampled, keep".
    expect(await spansAt(0)).toHaveLength(0);
    expect(await spansAt(1)).toHaveLength(60);
    // Rate 0.5: each request is kept or dropped whole.
    const byTrace = new Map<string, number>();
    for (const span of await spansAt(0.5)) {
      const id = span.spanContext().traceId;
      byTrace.set(id, (byTrace.get(id) ?? 0) + 1);
    }
    for (const count of byTrace.values()) expect(count).toBe(3);
  });
});

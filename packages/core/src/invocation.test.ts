// Issue 9, item 10: what business code reports through its context never fails the call (tracing
// on or off); wrong values are dropped with one warning per field; stop lists and OpenAI-shaped
// usage are recorded.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing } from '../../../test/support/otel.js';
import { type CallContext, fn, setLogger } from './index.js';
import { runWithTraceContext } from './internal.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
let warnings: string[];
beforeEach(() => {
  ({ exporter } = installTestTracing());
  warnings = [];
  setLogger({ warn: (m) => warnings.push(m) });
});
afterEach(() => setLogger(undefined));

const hostile = new Proxy(
  {},
  {
    get() {
      throw new Error('trap');
    },
    ownKeys() {
      throw new Error('trap');
    },
  },
);
const throwingGetter = Object.defineProperty({}, 'inputTokens', {
  enumerable: true,
  get() {
    throw new Error('getter');
  },
});

/** Every report the issue and the amendment name, plus hostile ones. */
const reports: Record<string, (ctx: CallContext) => void> = {
  'setModel(undefined)': (c) => c.setModel(undefined),
  'setModel(null)': (c) => c.setModel(null),
  'setModel(42)': (c) => c.setModel(42 as never),
  'setModel({ request: 5 })': (c) => c.setModel({ request: 5 as never }),
  'setModel({ request: {} })': (c) => c.setModel({ request: {} as never }),
  'setModel(Symbol())': (c) => c.setModel(Symbol('m') as never),
  'setModel(hostile Proxy)': (c) => c.setModel(hostile as never),
  'setUsage(undefined)': (c) => c.setUsage(undefined),
  'setUsage(null)': (c) => c.setUsage(null),
  'setUsage("3")': (c) => c.setUsage('3' as never),
  'setUsage({ inputTokens: null })': (c) => c.setUsage({ inputTokens: null as never }),
  'setUsage({ inputTokens: NaN })': (c) => c.setUsage({ inputTokens: Number.NaN }),
  'setUsage({ outputTokens: -1 })': (c) => c.setUsage({ outputTokens: -1 }),
  'setUsage({ details: 5 })': (c) => c.setUsage({ details: 5 as never }),
  'setUsage(throwing getter)': (c) => c.setUsage(throwingGetter),
  'setUsage(hostile Proxy)': (c) => c.setUsage(hostile),
  "setModelParameters({ stop: ['\\n'], temperature: undefined })": (c) =>
    c.setModelParameters({ stop: ['\n'], temperature: undefined }),
  'setModelParameters({ t: {} })': (c) => c.setModelParameters({ t: {} as never }),
  'setModelParameters(null)': (c) => c.setModelParameters(null),
  'setModelParameters(7)': (c) => c.setModelParameters(7 as never),
  'setModelParameters(hostile Proxy)': (c) => c.setModelParameters(hostile as never),
  'setAttributes({ o: {} })': (c) => c.setAttributes({ o: {} as never }),
  'setAttributes({ mixed: [1, "a"] })': (c) => c.setAttributes({ mixed: [1, 'a'] as never }),
  'setAttributes(undefined)': (c) => c.setAttributes(undefined),
  'setAttributes("x")': (c) => c.setAttributes('x' as never),
  'setAttributes(hostile Proxy)': (c) => c.setAttributes(hostile as never),
};

describe('reports never fail the business call', () => {
  for (const [what, report] of Object.entries(reports)) {
    for (const tracing of ['on', 'off'] as const) {
      it(`${what}, tracing ${tracing}`, async () => {
        const call = fn(
          (x: number, ctx: CallContext) => {
            report(ctx);
            return x + 1;
          },
          { name: 'call', kind: 'llm' },
        );
        const invoke = () => call.invoke(1);
        const result =
          tracing === 'on' ? await invoke() : await runWithTraceContext({ enabled: false }, invoke);
        expect(result).toBe(2);
        expect(exporter.getFinishedSpans()).toHaveLength(tracing === 'on' ? 1 : 0);
      });
    }
  }

  it('a wrong value is warned about once per field, naming it, not once per call', async () => {
    // Field names no other test uses: warnings are once per process.
    const call = fn((_: unknown, ctx: CallContext) => {
      ctx.setUsage({ details: { onlyHere: Number.NaN } });
      ctx.setModelParameters({ onlyHereToo: { a: 1 } as never });
      ctx.setAttributes({ onlyHereThree: { a: 1 } as never });
    });
    for (let i = 0; i < 10; i++) await call.invoke(null);
    const mine = warnings.filter((w) => /onlyHere/.test(w));
    expect(mine).toHaveLength(3);
    expect(mine.join('\n')).toContain('"details.onlyHere"');
    expect(mine.join('\n')).toContain('"onlyHereThree"');
  });
});

describe('what is recorded', () => {
  const record = async (report: (ctx: CallContext) => void) => {
    await fn(
      (_: unknown, ctx: CallContext) => {
        report(ctx);
        return 'ok';
      },
      { name: 'llm', kind: 'llm' },
    ).invoke(null);
    return exporter.getFinishedSpans().at(-1)!.attributes;
  };

  it('stop sequences as a list become the string[] attribute; undefined parameters are not set', async () => {
    const attributes = await record((c) =>
      c.setModelParameters({ stop: ['\n', 'END'], temperature: undefined, max_tokens: 64 }),
    );
    expect(attributes['gen_ai.request.stop_sequences']).toEqual(['\n', 'END']);
    expect(attributes['gen_ai.request.max_tokens']).toBe(64);
    expect(attributes['gen_ai.request.temperature']).toBeUndefined();
    expect(JSON.parse(String(attributes['lazytrace.model.parameters']))).toEqual({
      stop: ['\n', 'END'],
      max_tokens: 64,
    });
  });

  it('a single stop string is still recorded as a one-element list', async () => {
    const attributes = await record((c) => c.setModelParameters({ stop: 'END' }));
    expect(attributes['gen_ai.request.stop_sequences']).toEqual(['END']);
  });

  it('OpenAI chat usage is understood', async () => {
    const attributes = await record((c) =>
      c.setUsage({
        prompt_tokens: 120,
        completion_tokens: 30,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: 100, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 12 },
      }),
    );
    expect(attributes['gen_ai.usage.input_tokens']).toBe(120);
    expect(attributes['gen_ai.usage.output_tokens']).toBe(30);
    expect(attributes['lazytrace.usage.total_tokens']).toBe(150);
    expect(attributes['gen_ai.usage.cache_read.input_tokens']).toBe(100);
    expect(attributes['gen_ai.usage.reasoning.output_tokens']).toBe(12);
  });

  it('OpenAI responses and Anthropic usage are understood', async () => {
    const responses = await record((c) =>
      c.setUsage({
        input_tokens: 10,
        output_tokens: 5,
        total_tokens: 15,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens_details: { reasoning_tokens: 2 },
      }),
    );
    expect(responses['gen_ai.usage.input_tokens']).toBe(10);
    expect(responses['gen_ai.usage.cache_read.input_tokens']).toBe(4);
    expect(responses['gen_ai.usage.reasoning.output_tokens']).toBe(2);
    const anthropic = await record((c) =>
      c.setUsage({
        input_tokens: 8,
        output_tokens: 3,
        cache_read_input_tokens: 6,
        cache_creation_input_tokens: 1,
      }),
    );
    expect(anthropic['gen_ai.usage.input_tokens']).toBe(8);
    expect(anthropic['lazytrace.usage.total_tokens']).toBe(11);
    expect(anthropic['gen_ai.usage.cache_read.input_tokens']).toBe(6);
    expect(anthropic['gen_ai.usage.cache_creation.input_tokens']).toBe(1);
  });

  it('null and NaN counts are not set; valid ones next to them are kept', async () => {
    const attributes = await record((c) =>
      c.setUsage({ inputTokens: null as never, outputTokens: 4, totalTokens: Number.NaN }),
    );
    expect(attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(attributes['gen_ai.usage.output_tokens']).toBe(4);
    expect(attributes['lazytrace.usage.total_tokens']).toBeUndefined();
  });

  it('numbers and bigints become strings where a string is expected; null means not set', async () => {
    const attributes = await record((c) => {
      c.setModel({ request: 'gpt-x', provider: 'openai' });
      c.setModel({ response: 4 as never, provider: null as never });
      c.setAttributes({ big: 12n as never, keep: 'v', gone: {} as never, none: null as never });
    });
    expect(attributes['gen_ai.request.model']).toBe('gpt-x');
    expect(attributes['gen_ai.response.model']).toBe('4');
    expect(attributes['gen_ai.provider.name']).toBe('openai');
    expect(attributes.big).toBe('12');
    expect(attributes.keep).toBe('v');
    expect(attributes).not.toHaveProperty('gone');
    expect(attributes).not.toHaveProperty('none');
  });

  it('setModel(undefined) keeps an earlier model', async () => {
    const attributes = await record((c) => {
      c.setModel('m-1');
      c.setModel(undefined);
    });
    expect(attributes['gen_ai.request.model']).toBe('m-1');
  });
});

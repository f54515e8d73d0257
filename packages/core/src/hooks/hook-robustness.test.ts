// Issue 9, items 6 and 7: whatever a hook or a hook provider does, the business code runs exactly
// once, `invoke()` never throws synchronously, and no span is left open.
import type { Context, Span } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing } from '../../../../test/support/otel.js';
import {
  configureTracing,
  fn,
  type Hook,
  type HookFactory,
  HookPhaseError,
  type HookRegistration,
  Module,
  registerHookProvider,
  setLogger,
  traced,
} from '../index.js';

/** Counts spans started and ended, so "no span left open" is checked directly. */
class OpenSpans implements SpanProcessor {
  open = 0;
  onStart(_span: Span, _context: Context): void {
    this.open++;
  }
  onEnd(_span: ReadableSpan): void {
    this.open--;
  }
  forceFlush = () => Promise.resolve();
  shutdown = () => Promise.resolve();
}

let exporter: InMemorySpanExporter;
let spans: OpenSpans;
let warnings: string[];
const removers: (() => void)[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeEach(() => {
  installTestTracing();
  exporter = new InMemorySpanExporter();
  spans = new OpenSpans();
  configureTracing({
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), spans] }),
  });
  warnings = [];
  setLogger({ warn: (m) => warnings.push(m) });
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  for (const remove of removers.splice(0)) remove();
  setLogger(undefined);
  // Give a late rejection the chance to surface before checking there was none.
  await new Promise((r) => setTimeout(r, 5));
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

function provide(...registrations: HookRegistration[]): void {
  const frozen = Object.freeze(registrations);
  removers.push(registerHookProvider(() => frozen));
}

/** What a call gives back, settled: never a synchronous throw. */
async function settle(call: () => Promise<unknown>) {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    return { sync: true as const, error };
  }
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

describe('around: next() runs exactly once whatever the hook does (item 6)', () => {
  const lateArounds: Record<string, () => HookFactory> = {
    'after an await': () => ({
      name: 'late-await',
      create: () =>
        ({
          async around(next: () => unknown) {
            await Promise.resolve();
            return next();
          },
        }) as unknown as Hook,
    }),
    'in a microtask': () => ({
      name: 'late-microtask',
      create: () => ({
        around<R>(next: () => R): R {
          queueMicrotask(() => next());
          return undefined as R;
        },
      }),
    }),
    'in a timer': () => ({
      name: 'late-timer',
      create: () => ({
        around<R>(next: () => R): R {
          setTimeout(() => next(), 1);
          return undefined as R;
        },
      }),
    }),
    twice: () => ({
      name: 'twice',
      create: () => ({
        around<R>(next: () => R): R {
          next();
          return next();
        },
      }),
    }),
    'twice, once late': () => ({
      name: 'twice-late',
      create: () => ({
        around<R>(next: () => R): R {
          const value = next();
          setTimeout(() => next(), 1);
          return value;
        },
      }),
    }),
    never: () => ({
      name: 'never',
      create: () => ({
        around<R>(_next: () => R): R {
          return 'not the value' as R;
        },
      }),
    }),
  };

  for (const [how, make] of Object.entries(lateArounds)) {
    it(`an around calling next() ${how}: the business code runs once, its value comes back`, async () => {
      provide(make());
      let runs = 0;
      const value = { answer: 42 };
      const call = fn(() => {
        runs++;
        return value;
      });
      expect(await call.invoke(null)).toBe(value);
      await tick(5);
      expect(runs).toBe(1);
      expect(spans.open).toBe(0);
      expect(exporter.getFinishedSpans()).toHaveLength(1);
    });

    it(`an around calling next() ${how}: a failing business call fails once, with its own error`, async () => {
      provide(make());
      let runs = 0;
      const failure = new Error('business failed');
      const call = fn(async () => {
        runs++;
        throw failure;
      });
      await expect(call.invoke(null)).rejects.toBe(failure);
      await tick(5);
      expect(runs).toBe(1);
      expect(spans.open).toBe(0);
    });

    it(`an around calling next() ${how}: every pull of a stream runs once, no chunk lost`, async () => {
      provide(make());
      let pulls = 0;
      const source = {
        [Symbol.asyncIterator]() {
          let i = 0;
          return {
            next: async () => {
              pulls++;
              return i < 5 ? { done: false, value: i++ } : { done: true, value: undefined };
            },
          };
        },
      };
      const stream = (await fn(() => source).invoke(null)) as AsyncIterable<number>;
      const got: number[] = [];
      for await (const chunk of stream) got.push(chunk);
      await tick(5);
      expect(got).toEqual([0, 1, 2, 3, 4]);
      expect(pulls).toBe(6);
      expect(spans.open).toBe(0);
      expect(exporter.getFinishedSpans()[0]?.attributes['lazytrace.stream.chunks']).toBe(5);
    });
  }

  it('a misbehaving around is reported once, not per call', async () => {
    provide(lateArounds['after an await']!());
    for (let i = 0; i < 5; i++) await fn((x: number) => x).invoke(i);
    expect(warnings.filter((w) => w.includes('late-await'))).toHaveLength(1);
  });
});

describe('hook providers and factories returning anything (item 7)', () => {
  const hookless: Record<string, unknown> = {
    undefined: undefined,
    null: null,
    'a number': 42,
    'a string': 'hooks',
    'an array-like': { length: 1, 0: { create: () => ({}) } },
    'a Proxy whose every trap throws': new Proxy([], {
      get() {
        throw new Error('trap');
      },
      has() {
        throw new Error('trap');
      },
      ownKeys() {
        throw new Error('trap');
      },
      getPrototypeOf() {
        throw new Error('trap');
      },
    }),
    'an array holding garbage': [undefined, null, 3, 'x', {}, { create: 5 }],
  };
  for (const [what, provided] of Object.entries(hookless)) {
    it(`a provider returning ${what}: invoke() resolves, the span ends, one warning`, async () => {
      removers.push(registerHookProvider(() => provided as never));
      const call = fn((x: number) => x + 1, { name: 'call' });
      for (let i = 0; i < 3; i++)
        expect(await settle(() => call.invoke(i))).toEqual({ ok: true, value: i + 1 });
      expect(spans.open).toBe(0);
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['call', 'call', 'call']);
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(6);
    });
  }

  const badHooks: Record<string, () => unknown> = {
    'nothing (undefined)': () => undefined,
    null: () => null,
    'a number': () => 7,
    'a string': () => 'hook',
    'an object whose getters throw': () =>
      Object.defineProperties(
        {},
        Object.fromEntries(
          ['pre', 'post', 'onError', 'finalize', 'around'].map((phase) => [
            phase,
            {
              get() {
                throw new Error(`${phase} getter`);
              },
            },
          ]),
        ),
      ),
    'phases that are not functions': () => ({ pre: 1, post: 'x', onError: {}, finalize: [], around: true }),
    'a Proxy whose every trap throws': () =>
      new Proxy(
        {},
        {
          get() {
            throw new Error('trap');
          },
          has() {
            throw new Error('trap');
          },
        },
      ),
  };
  for (const [what, create] of Object.entries(badHooks)) {
    for (const errorMode of ['warn', 'strict'] as const) {
      it(`a ${errorMode} factory returning ${what}: invoke() never throws synchronously, the span ends`, async () => {
        provide({ name: 'bad', errorMode, create: create as never });
        let runs = 0;
        const call = fn(
          (x: number) => {
            runs++;
            return x * 2;
          },
          { name: 'call' },
        );
        const result = await settle(() => call.invoke(21));
        expect(result).not.toHaveProperty('sync');
        if ('ok' in result && result.ok) expect(result.value).toBe(42);
        else expect(result.error).toBeInstanceOf(HookPhaseError);
        expect(runs).toBeLessThanOrEqual(1);
        expect(spans.open).toBe(0);
        expect(exporter.getFinishedSpans()).toHaveLength(1);
      });
    }
  }

  it('hooks throwing in every phase, also inside fail() after a strict pre failure', async () => {
    const thrower = (phase: string) => () => {
      throw new Error(`${phase} broke`);
    };
    provide(
      {
        name: 'strict-pre',
        errorMode: 'strict',
        priority: 50,
        create: () => ({ pre: thrower('pre'), onError: thrower('onError'), finalize: thrower('finalize') }),
      },
      {
        name: 'everything',
        priority: 60,
        create: () => ({
          pre: thrower('pre'),
          around: thrower('around'),
          post: thrower('post'),
          onError: thrower('onError'),
          finalize: thrower('finalize'),
        }),
      },
    );
    let runs = 0;
    const call = fn(() => runs++, { name: 'call' });
    const result = await settle(() => call.invoke(null));
    expect(result).toMatchObject({ ok: false });
    expect((result as { error: unknown }).error).toBeInstanceOf(HookPhaseError);
    expect(runs).toBe(0);
    expect(spans.open).toBe(0);
  });

  it('a hook class whose static options throw on read is skipped, not thrown into the call', async () => {
    const Hostile = Object.defineProperty(function Hostile() {}, 'priority', {
      get() {
        throw new Error('priority getter');
      },
    });
    removers.push(registerHookProvider(() => [Hostile as never]));
    expect(await settle(() => fn(() => 'v', { name: 'call' }).invoke(null))).toEqual({
      ok: true,
      value: 'v',
    });
    expect(spans.open).toBe(0);
  });

  it('a runnable whose name getter throws: invoke() rejects with that error, never throws', async () => {
    const failure = new Error('no name');
    class Nameless extends Module<number, number> {
      override get className(): string {
        throw failure;
      }
      forward(x: number) {
        return x;
      }
    }
    expect(await settle(() => new Nameless().invoke(1))).toEqual({ ok: false, error: failure });
    expect(spans.open).toBe(0);
  });

  it('a @traced method called on a receiver whose constructor cannot be read still runs', async () => {
    class Service {
      @traced({ kind: 'tool' })
      async ping(x: number) {
        return x + 1;
      }
    }
    const hostile = new Proxy(new Service(), {
      get(target, key) {
        if (key === 'constructor') throw new Error('trap');
        return Reflect.get(target, key);
      },
    });
    expect(await settle(() => hostile.ping(1))).toEqual({ ok: true, value: 2 });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['Service.ping']);
  });

  it('a stream whose hooks misbehave in every phase still yields every chunk and ends its span', async () => {
    provide({
      name: 'everything',
      create: () => ({
        pre() {
          throw new Error('pre');
        },
        around<R>(next: () => R): R {
          next();
          throw new Error('around');
        },
        post() {
          throw new Error('post');
        },
        finalize() {
          throw new Error('finalize');
        },
      }),
    });
    const stream = (await fn(
      async function* () {
        yield 'a';
        yield 'b';
      },
      { name: 'gen' },
    ).invoke(null)) as AsyncIterable<string>;
    const got: string[] = [];
    for await (const chunk of stream) got.push(chunk);
    expect(got).toEqual(['a', 'b']);
    expect(spans.open).toBe(0);
  });
});

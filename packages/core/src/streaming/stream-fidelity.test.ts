// Issue 9, items 8, 9 and 22: with tracing on, the value an application gets back behaves exactly
// as with tracing off, however it is consumed, and the call's span still ends.
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline as pump } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing } from '../../../../test/support/otel.js';
import { configureTracing, fn, pipeline, setLogger } from '../index.js';
import { StreamCollector } from './stream-collector.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
  setLogger({ warn: () => {} });
});
afterEach(() => {
  setLogger(undefined);
  configureTracing({ streamIdleTimeoutMs: null, maxContentChars: null });
});

const finished = () => exporter.getFinishedSpans();
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/** Fails instead of hanging when a consumption never ends. */
function bounded<T>(promise: Promise<T>, what: string, ms = 2_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs the same scenario on what the application gets with tracing off — without any hook, `invoke`
 * resolves to the business code's own value, `Promise.resolve(make())` — and on what it gets from
 * a traced call (a fresh source each time), and expects the same observations.
 */
async function sameOnAndOff<S, R>(make: () => S, scenario: (value: S) => Promise<R>): Promise<R> {
  const spansBefore = finished().length;
  const off = await Promise.resolve(make());
  const offSeen = await bounded(scenario(off), 'tracing off');
  expect(finished()).toHaveLength(spansBefore);
  const on = await fn(() => make(), { name: 'source' }).invoke(null);
  const onSeen = await bounded(scenario(on as S), 'tracing on');
  expect(onSeen).toEqual(offSeen);
  return onSeen;
}

async function drain<T>(iterable: AsyncIterable<T>, stopAfter = Number.POSITIVE_INFINITY): Promise<T[]> {
  const got: T[] = [];
  for await (const chunk of iterable) {
    got.push(chunk);
    if (got.length >= stopAfter) break;
  }
  return got;
}

/** Waits (bounded) for the call's span to end. */
async function spanEnded(count = 1) {
  for (let i = 0; i < 200 && finished().length < count; i++) await tick(5);
  expect(finished()).toHaveLength(count);
  return finished()[count - 1]!;
}

/** Shaped like the OpenAI SDK's `Stream`: a controller, a private iterator factory, tee(), toReadableStream(). */
class ProviderStream<T> implements AsyncIterable<T> {
  controller: AbortController;
  constructor(
    private iterator: () => AsyncIterator<T>,
    controller: AbortController,
  ) {
    this.controller = controller;
  }
  static from<T>(items: T[]): ProviderStream<T> {
    let consumed = false;
    const controller = new AbortController();
    async function* iterator() {
      if (consumed)
        throw new Error('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
      consumed = true;
      let done = false;
      try {
        for (const item of items) {
          await tick();
          yield item;
        }
        done = true;
      } finally {
        if (!done) controller.abort();
      }
    }
    return new ProviderStream(iterator, controller);
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterator();
  }
  tee(): [ProviderStream<T>, ProviderStream<T>] {
    const left: Promise<IteratorResult<T>>[] = [];
    const right: Promise<IteratorResult<T>>[] = [];
    const iterator = this.iterator();
    const teeIterator = (queue: Promise<IteratorResult<T>>[]): AsyncIterator<T> => ({
      next: () => {
        if (queue.length === 0) {
          const result = iterator.next();
          left.push(result);
          right.push(result);
        }
        return queue.shift()!;
      },
    });
    return [
      new ProviderStream(() => teeIterator(left), this.controller),
      new ProviderStream(() => teeIterator(right), this.controller),
    ];
  }
  toReadableStream(): ReadableStream<Uint8Array> {
    const self = this;
    let iter: AsyncIterator<T>;
    const encoder = new TextEncoder();
    return new ReadableStream({
      start() {
        iter = self[Symbol.asyncIterator]();
      },
      async pull(ctrl) {
        const { value, done } = await iter.next();
        if (done) return ctrl.close();
        ctrl.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
      },
      async cancel() {
        await iter.return?.();
      },
    });
  }
}

/** Like a newer SDK stream: true private members, read by its methods. */
class PrivateStream {
  #client = 'client-1';
  #items: string[];
  constructor(items: string[]) {
    this.#items = items;
  }
  get client() {
    return this.#client;
  }
  describe() {
    return `${this.#client}:${this.#items.length}`;
  }
  async *[Symbol.asyncIterator]() {
    for (const item of this.#items) yield item;
  }
}

describe('the value the application gets: as with tracing off (item 8)', () => {
  it('a plain async-iterable object keeps its own properties', async () => {
    const seen = await sameOnAndOff(
      () => ({
        id: 'chatcmpl-1',
        meta: { model: 'm' },
        async *[Symbol.asyncIterator]() {
          yield 'a';
          yield 'b';
        },
      }),
      async (s) => ({
        id: s.id,
        meta: s.meta,
        keys: Object.keys(s),
        json: JSON.stringify(s),
        spread: Object.keys({ ...s }),
        has: 'id' in s,
        chunks: await drain(s),
      }),
    );
    expect(seen.chunks).toEqual(['a', 'b']);
    expect((await spanEnded()).attributes['lazytrace.output']).toBe('"ab"');
  });

  it('class members named state, source, ended, end, iterator, lifecycle … are the source’s own', async () => {
    class Members {
      state = 'source state';
      source = 'source source';
      ended = 'not yet';
      iterator = 'mine';
      lifecycle = 'mine too';
      collector = 'and this';
      pending = 'and that';
      end() {
        this.ended = 'ended by the app';
        return 'end() of the source';
      }
      async *[Symbol.asyncIterator]() {
        yield 1;
      }
    }
    await sameOnAndOff(
      () => new Members(),
      async (s) => ({
        before: [s.state, s.source, s.ended, s.iterator, s.lifecycle, s.collector, s.pending],
        end: s.end(),
        after: s.ended,
        isMembers: s instanceof Members,
        chunks: await drain(s),
      }),
    );
    await spanEnded();
  });

  it('PassThrough: end() ends the stream (not the span); for await then completes', async () => {
    const seen = await sameOnAndOff(
      () => {
        const pt = new PassThrough({ objectMode: true });
        pt.write('a');
        pt.write('b');
        return pt;
      },
      async (pt) => {
        pt.write('c');
        pt.end();
        return {
          instance: pt instanceof PassThrough,
          writableEnded: pt.writableEnded,
          chunks: await drain(pt),
          destroyed: pt.destroyed,
        };
      },
    );
    expect(seen.chunks).toEqual(['a', 'b', 'c']);
    const span = await spanEnded();
    expect(span.attributes['lazytrace.stream.chunks']).toBe(3);
  });

  it('Readable: for await with break destroys the stream, as off; the span ends cancelled', async () => {
    await sameOnAndOff(
      () => Readable.from(['x', 'y', 'z']),
      async (r) => ({ chunks: await drain(r, 1), destroyed: r.destroyed, instance: r instanceof Readable }),
    );
    expect((await spanEnded()).attributes['lazytrace.stream.cancelled']).toBe(true);
  });

  it('Readable consumed with events (on data) works as off', async () => {
    await sameOnAndOff(
      () => Readable.from(['x', 'y']),
      (r) =>
        new Promise((resolve) => {
          const got: string[] = [];
          r.on('data', (c: string) => got.push(c));
          r.on('end', () => resolve(got));
        }),
    );
  });

  it('a re-iterable source stays re-iterable', async () => {
    const seen = await sameOnAndOff(
      () => ({
        async *[Symbol.asyncIterator]() {
          yield 1;
          yield 2;
        },
      }),
      async (s) => [await drain(s), await drain(s), await drain(s)],
    );
    expect(seen).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect((await spanEnded()).attributes['lazytrace.output']).toBe('[1,2]');
  });

  it('instanceof, the class and Object.prototype.toString are preserved', async () => {
    class TokenStream {
      async *[Symbol.asyncIterator]() {
        yield 't';
      }
    }
    await sameOnAndOff(
      () => new TokenStream(),
      async (s) => ({
        instance: s instanceof TokenStream,
        ctor: s.constructor === TokenStream,
        proto: Object.getPrototypeOf(s) === TokenStream.prototype,
        tag: Object.prototype.toString.call(s),
        chunks: await drain(s),
      }),
    );
    await sameOnAndOff(
      () =>
        (async function* gen() {
          yield 1;
        })(),
      async (g) => ({
        tag: Object.prototype.toString.call(g),
        self: g[Symbol.asyncIterator]() === g,
        chunks: await drain(g),
      }),
    );
    expect(finished()).toHaveLength(2);
  });

  it('throw() before the first next() behaves as off (the generator closes, nothing is yielded later)', async () => {
    const failure = new Error('injected');
    await sameOnAndOff(
      () =>
        (async function* gen() {
          yield 1;
          yield 2;
        })(),
      async (g) => {
        const thrown = await g.throw(failure).then(
          (r) => ({ result: r }),
          (e: unknown) => ({ error: e === failure }),
        );
        return { thrown, next: await g.next(), again: await g.next() };
      },
    );
    await spanEnded();
  });

  it('throw() on an iterator without throw(), and on a plain iterable: as off', async () => {
    await sameOnAndOff(
      () => ({
        [Symbol.asyncIterator]() {
          let i = 0;
          return {
            next: async () => (i < 2 ? { done: false, value: i++ } : { done: true, value: undefined }),
          };
        },
      }),
      async (s) => {
        const it = s[Symbol.asyncIterator]() as AsyncIterator<number>;
        return {
          hasThrow: typeof it.throw,
          sourceThrow: typeof (s as { throw?: unknown }).throw,
          chunks: [await it.next(), await it.next(), await it.next()],
        };
      },
    );
  });

  it('manual next / return / next on a generator, values passed through', async () => {
    await sameOnAndOff(
      () =>
        (async function* gen(): AsyncGenerator<string, void, string> {
          const got = yield 'first';
          yield `got ${String(got)}`;
          yield 'never';
        })(),
      async (g) => [await g.next(), await g.next('x'), await g.return(undefined), await g.next()],
    );
    expect((await spanEnded()).attributes['lazytrace.stream.cancelled']).toBe(true);
  });

  it('an OpenAI-style Stream: controller, instanceof, iteration, break aborts', async () => {
    await sameOnAndOff(
      () => ProviderStream.from([{ d: 1 }, { d: 2 }, { d: 3 }]),
      async (s) => ({
        instance: s instanceof ProviderStream,
        aborted: s.controller.signal.aborted,
        first: await drain(s, 1),
        abortedAfterBreak: s.controller.signal.aborted,
        second: await drain(s).catch((e: Error) => e.message),
      }),
    );
    expect((await spanEnded()).attributes['lazytrace.stream.cancelled']).toBe(true);
  });

  it('an OpenAI-style Stream: tee() gives two full streams', async () => {
    await sameOnAndOff(
      () => ProviderStream.from(['a', 'b']),
      async (s) => {
        const [left, right] = s.tee();
        return {
          left: await drain(left),
          right: await drain(right),
          instance: left instanceof ProviderStream,
        };
      },
    );
  });

  it('an OpenAI-style Stream: toReadableStream() yields every chunk; the span ends with it', async () => {
    await sameOnAndOff(
      () => ProviderStream.from([{ d: 1 }, { d: 2 }]),
      async (s) => {
        const reader = s.toReadableStream().getReader();
        const decoder = new TextDecoder();
        let text = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value);
        }
        return text;
      },
    );
    expect((await spanEnded()).attributes['lazytrace.stream.chunks']).toBe(2);
  });

  it('a class with true private members: its methods and getters work, as off', async () => {
    await sameOnAndOff(
      () => new PrivateStream(['p', 'q']),
      async (s) => ({ client: s.client, describe: s.describe(), chunks: await drain(s) }),
    );
    await spanEnded();
  });

  it('methods every object inherits answer as off (valueOf is the value itself, toString, hasOwnProperty)', async () => {
    class Chat {
      id = 1;
      async *[Symbol.asyncIterator]() {
        yield 'c';
      }
    }
    await sameOnAndOff(
      () => new Chat(),
      async (s) => {
        // Called as members of the value, the way application code calls them.
        const member = (name: string, ...args: unknown[]) =>
          (s as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
        return {
          valueOf: member('valueOf') === s,
          toString: member('toString'),
          own: member('hasOwnProperty', 'id'),
          isPrototypeOf: member('isPrototypeOf', s),
          locale: member('toLocaleString'),
        };
      },
    );
  });

  it('a class compiled with private-field helpers (the OpenAI SDK’s published build): tee() works, as off', async () => {
    // What TypeScript emits for `#client` below ES2022, as in the SDK's dist.
    const clients = new WeakMap<object, string>();
    function __classPrivateFieldGet(receiver: object, state: WeakMap<object, string>): string {
      if (!state.has(receiver)) {
        throw new TypeError('Cannot read private member from an object whose class did not declare it');
      }
      return state.get(receiver)!;
    }
    class CompiledStream {
      constructor(readonly items: string[]) {
        clients.set(this, 'client-1');
      }
      tee(): [CompiledStream, CompiledStream, string] {
        return [
          new CompiledStream(this.items),
          new CompiledStream(this.items),
          __classPrivateFieldGet(this, clients),
        ];
      }
      async *[Symbol.asyncIterator]() {
        yield* this.items;
      }
    }
    await sameOnAndOff(
      () => new CompiledStream(['t1', 't2']),
      async (s) => {
        const [left, right, client] = s.tee();
        return { client, left: await drain(left), right: await drain(right) };
      },
    );
  });

  it('a frozen plain iterable keeps its members and iterates', async () => {
    await sameOnAndOff(
      () =>
        Object.freeze({
          id: 7,
          async *[Symbol.asyncIterator]() {
            yield 'f';
          },
        }),
      async (s) => ({ id: s.id, keys: Object.keys(s), chunks: await drain(s) }),
    );
    await spanEnded();
  });

  it('a web ReadableStream: getReader() and for await both work, as off', async () => {
    const make = () =>
      new ReadableStream<string>({
        start(c) {
          c.enqueue('r1');
          c.enqueue('r2');
          c.close();
        },
      });
    await sameOnAndOff(make, async (s) => {
      const reader = s.getReader();
      const first = await reader.read();
      reader.releaseLock();
      return { first, locked: s.locked, rest: await drain(s as unknown as AsyncIterable<string>) };
    });
  });

  it('inside a flow (the stream wrapped twice), the value is still the source’s', async () => {
    class Tokens {
      kind = 'tokens';
      async *[Symbol.asyncIterator]() {
        yield 'x';
        yield 'y';
      }
    }
    const flow = pipeline({ prompt: (q: string) => q, chat: () => new Tokens() }, { name: 'flow' });
    const s = (await flow.invoke('q')) as Tokens;
    expect(s).toBeInstanceOf(Tokens);
    expect(s.kind).toBe('tokens');
    expect(await drain(s)).toEqual(['x', 'y']);
    expect(await drain(s)).toEqual(['x', 'y']);
    expect(finished().map((x) => x.name)).toEqual(['prompt', 'chat', 'flow']);
  });
});

describe('more ways applications consume streams (item 8)', () => {
  const letters = () =>
    (async function* () {
      yield 'a';
      yield 'b';
      yield 'c';
    })();
  const collectInto = (out: unknown[]) =>
    new Writable({
      objectMode: true,
      write(chunk, _encoding, done) {
        out.push(chunk);
        done();
      },
    });

  it('Readable.from(stream)', async () => {
    await sameOnAndOff(letters, async (s) => drain(Readable.from(s)));
    await spanEnded();
  });

  it('stream.pipeline(stream, writable), for a generator and for a Readable', async () => {
    await sameOnAndOff(letters, async (s) => {
      const out: unknown[] = [];
      await pump(s, collectInto(out));
      return out;
    });
    await sameOnAndOff(
      () => Readable.from(['x', 'y']),
      async (s) => {
        const out: unknown[] = [];
        await pump(s, collectInto(out));
        return out;
      },
    );
  });

  it('next() called several times without waiting', async () => {
    await sameOnAndOff(letters, (g) => Promise.all([g.next(), g.next(), g.next(), g.next(), g.next()]));
    await spanEnded();
  });

  it('return() while a next() is pending', async () => {
    await sameOnAndOff(letters, (g) => Promise.all([g.next(), g.return(undefined), g.next()]));
    expect((await spanEnded()).attributes['lazytrace.stream.cancelled']).toBe(true);
  });

  it('a generator that catches throw() and goes on', async () => {
    await sameOnAndOff(
      () =>
        (async function* () {
          try {
            yield 1;
          } catch {
            yield 'caught';
          }
          yield 3;
        })(),
      async (g) => [await g.next(), await g.throw(new Error('x')), await g.next(), await g.next()],
    );
    expect((await spanEnded()).attributes['lazytrace.stream.chunks']).toBe(3);
  });

  it('a class iterating its own (mutable) state, iterated twice', async () => {
    class Items {
      items = [1, 2];
      async *[Symbol.asyncIterator]() {
        for (const item of this.items) yield item;
      }
    }
    await sameOnAndOff(
      () => new Items(),
      async (s) => {
        const first = await drain(s);
        s.items.push(3);
        return [first, await drain(s)];
      },
    );
  });

  it('an iterator whose next() answers synchronously, with an own next property', async () => {
    await sameOnAndOff(
      () => {
        let i = 0;
        return {
          next: () => (i < 2 ? { done: false, value: i++ } : { done: true, value: undefined }),
          [Symbol.asyncIterator]() {
            return this;
          },
        };
      },
      async (s) => drain(s as unknown as AsyncIterable<number>),
    );
    await spanEnded();
  });

  it('break inside flows nested two deep: every span ends, innermost first', async () => {
    const flow = pipeline({ inner: pipeline({ tokens: letters }) }, { name: 'outer' });
    const stream = (await flow.invoke(null)) as AsyncIterable<string>;
    expect(await drain(stream, 1)).toEqual(['a']);
    expect(finished().map((s) => s.name)).toEqual(['tokens', 'inner', 'outer']);
    for (const span of finished()) expect(span.attributes['lazytrace.stream.cancelled']).toBe(true);
  });
});

describe('results tracing must not trip over (item 9)', () => {
  it('a result whose Symbol.asyncIterator getter throws: the same value as off, the span ends', async () => {
    const make = () => ({
      value: 1,
      get [Symbol.asyncIterator](): never {
        throw new Error('getter');
      },
    });
    const seen = await sameOnAndOff(make, async (v) => ({ value: v.value, keys: Object.keys(v) }));
    expect(seen.value).toBe(1);
    await spanEnded();
  });

  it('an async function resolving to such a value: the same value as off, the span ends', async () => {
    const value = {
      get [Symbol.asyncIterator](): never {
        throw new Error('getter');
      },
    };
    const runnable = fn(async () => value, { name: 'async' });
    expect(await runnable.invoke(null)).toBe(value);
    await spanEnded();
  });

  const trap = new Error('every trap throws');
  const allTraps = (except: Partial<ProxyHandler<object>> = {}) =>
    new Proxy(
      {},
      {
        get: () => {
          throw trap;
        },
        has: () => {
          throw trap;
        },
        ownKeys: () => {
          throw trap;
        },
        getOwnPropertyDescriptor: () => {
          throw trap;
        },
        getPrototypeOf: () => {
          throw trap;
        },
        isExtensible: () => {
          throw trap;
        },
        ...except,
      },
    );

  /** How the call settles (or that it has not within 100 ms), then what iterating it yields. */
  async function outcome(call: () => Promise<unknown>) {
    let promise: Promise<unknown>;
    try {
      promise = call();
    } catch (error) {
      return { sync: error };
    }
    const pending = new Promise((r) => setTimeout(() => r({ pending: true }), 100));
    const settled = (await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      pending,
    ])) as { value?: unknown; error?: unknown; pending?: true };
    if (!('value' in settled)) return settled;
    let iterated: unknown;
    try {
      const iterable = settled.value as AsyncIterable<unknown>;
      iterated =
        typeof iterable[Symbol.asyncIterator] === 'function' ? await drain(iterable) : 'not iterable';
    } catch (error) {
      iterated = { error };
    }
    return { value: 'settled', iterated };
  }

  const variants: Record<string, () => object> = {
    'every trap throws': () => allTraps(),
    'get answers nothing, every other trap throws': () => allTraps({ get: () => undefined }),
    'get answers functions, every other trap throws': () => allTraps({ get: () => () => undefined }),
    'get answers a stream method only, every other trap throws': () =>
      allTraps({
        get: (_t, key) =>
          key === Symbol.asyncIterator
            ? async function* () {
                yield 1;
              }
            : undefined,
      }),
  };
  for (const [what, make] of Object.entries(variants)) {
    it(`a sync function returning a Proxy where ${what}: invoke() does what it does with tracing off`, async () => {
      const runnable = fn(() => make(), { name: 'proxy' });
      // Tracing off, `invoke` is `Promise.resolve(f())`.
      const off = await outcome(() => Promise.resolve(make()));
      const on = await outcome(() => runnable.invoke(null));
      expect(on).not.toHaveProperty('sync');
      expect(on).toEqual(off);
      // A call whose promise never settles (a `then` that never answers) stays open, as it would
      // for an async function that never returns; every other call ends.
      if (!('pending' in off)) await spanEnded();
    });
  }
});

describe('a stream keeps only what the capture budget can use (item 22)', () => {
  it('large non-string chunks: a few are kept, the rest only counted', () => {
    const collector = new StreamCollector(4_096);
    const chunk = Buffer.alloc(256 * 1024, 1);
    for (let i = 0; i < 1_000; i++) collector.add(chunk);
    const output = collector.output() as unknown[];
    expect(Array.isArray(output)).toBe(true);
    expect(output.length).toBeLessThanOrEqual(3);
    expect(String(output.at(-1))).toMatch(/more chunks not recorded/);
  });

  it('large objects: kept while the budget lasts', () => {
    const collector = new StreamCollector(4_096);
    const big = { text: 'x'.repeat(100_000), list: Array.from({ length: 10_000 }, (_, i) => i) };
    for (let i = 0; i < 1_000; i++) collector.add(big);
    expect((collector.output() as unknown[]).length).toBeLessThanOrEqual(3);
  });

  it('small chunks: as many as the budget can show', () => {
    const collector = new StreamCollector(4_096);
    for (let i = 0; i < 100; i++) collector.add({ d: i });
    expect(collector.output()).toEqual(Array.from({ length: 100 }, (_, i) => ({ d: i })));
  });

  it('strings stay concatenated within the budget', () => {
    const collector = new StreamCollector(1_000);
    for (let i = 0; i < 10_000; i++) collector.add('token ');
    const output = collector.output() as string;
    expect(output.startsWith('token token')).toBe(true);
    expect(output.length).toBeLessThan(1_100);
  });

  it('strings then an object: the list shows each string chunk as it came', () => {
    const collector = new StreamCollector(4_096);
    for (const chunk of ['Hel', 'lo', ' world']) collector.add(chunk);
    collector.add({ usage: 3 });
    collector.add('!');
    collector.add('');
    expect(collector.output()).toEqual(['Hel', 'lo', ' world', { usage: 3 }, '!', '']);
  });

  it('a million empty string chunks: counted, not kept (the text is whole; a list says they are not recorded)', () => {
    const text = new StreamCollector(4_096);
    const list = new StreamCollector(4_096);
    for (const collector of [text, list]) {
      collector.add('a');
      for (let i = 0; i < 1_000_000; i++) collector.add('');
      collector.add('b');
    }
    expect(text.output()).toBe('ab');
    list.add({ end: true });
    expect(list.output()).toEqual(['a', 'b', { end: true }, '…[1000000 more chunks not recorded]']);
    const empty = new StreamCollector(4_096);
    empty.add('');
    expect(empty.output()).toBe('');
  });

  it('strings past the budget: the text kept, the rest counted', () => {
    const collector = new StreamCollector(10);
    for (let i = 0; i < 6; i++) collector.add('abcd');
    expect(collector.output()).toBe('abcdabcdabcd…[3 more chunks not recorded]');
  });

  it('end to end: a stream of 256 KB Buffers is recorded within budget, every chunk delivered', async () => {
    const chunk = Buffer.alloc(256 * 1024, 2);
    const stream = (await fn(
      async function* () {
        for (let i = 0; i < 50; i++) yield chunk;
      },
      { name: 'bytes' },
    ).invoke(null)) as AsyncIterable<Buffer>;
    let n = 0;
    for await (const c of stream) if (c === chunk) n++;
    expect(n).toBe(50);
    const span = await spanEnded();
    expect(span.attributes['lazytrace.stream.chunks']).toBe(50);
    expect(String(span.attributes['lazytrace.output']).length).toBeLessThanOrEqual(4_096);
  });
});

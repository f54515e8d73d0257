import { createHook } from 'node:async_hooks';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualSource } from '../../../../test/support/manual-source.js';
import { byName, installTestTracing, parentId, spanId } from '../../../../test/support/otel.js';
import { type CallContext, configureTracing, fn, Module, pipeline, setLogger } from '../index.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
afterEach(() => configureTracing({ streamIdleTimeoutMs: null, maxContentChars: null }));

const finished = () => exporter.getFinishedSpans();
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/** A deterministic fake chat model streaming tokens, reporting model and usage at the end. */
class FakeChat extends Module<string, AsyncIterable<string>> {
  override kind = 'llm';
  async *forward(prompt: string, ctx: CallContext) {
    ctx.setModel('fake-chat');
    const tokens = ['The ', 'answer ', 'is ', '42.'];
    for (const token of tokens) {
      await tick();
      yield token;
    }
    ctx.setUsage({ inputTokens: prompt.length, outputTokens: tokens.length });
  }
}

async function collect(stream: AsyncIterable<string>, log?: string[]) {
  let text = '';
  for await (const chunk of stream) {
    log?.push(`chunk:${finished().length}`);
    text += chunk;
  }
  return text;
}

describe('streams', () => {
  it('completion: the span stays open while chunks flow and closes at the end with the whole output', async () => {
    const stream = (await new FakeChat({ name: 'chat' }).invoke('hello')) as AsyncIterable<string>;
    // invoke resolved, yet nothing has ended: the call lasts as long as the stream.
    expect(finished()).toHaveLength(0);
    const log: string[] = [];
    expect(await collect(stream, log)).toBe('The answer is 42.');
    // While every chunk was consumed, the span was still open.
    expect(log).toEqual(['chunk:0', 'chunk:0', 'chunk:0', 'chunk:0']);
    const [span] = finished();
    expect(span?.name).toBe('chat');
    expect(span?.attributes['lazytrace.output']).toBe('"The answer is 42."');
    expect(span?.attributes['lazytrace.stream.chunks']).toBe(4);
    expect(span?.attributes['lazytrace.stream.time_to_first_chunk_ms']).toBeGreaterThan(0);
    expect(span?.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect(span?.attributes['gen_ai.usage.input_tokens']).toBe(5);
    expect(span?.attributes['gen_ai.usage.output_tokens']).toBe(4);
    expect(span?.attributes['gen_ai.request.model']).toBe('fake-chat');
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a flow whose last step streams stays open until the stream ends; the child ends first', async () => {
    const flow = pipeline({ prompt: (q: string) => `Q: ${q}`, chat: new FakeChat() }, { name: 'ask' });
    const stream = (await flow.invoke('why')) as AsyncIterable<string>;
    expect(finished().map((s) => s.name)).toEqual(['prompt']);
    expect(await collect(stream)).toBe('The answer is 42.');
    expect(finished().map((s) => s.name)).toEqual(['prompt', 'chat', 'ask']);
    const ask = byName(finished(), 'ask');
    expect(parentId(byName(finished(), 'chat'))).toBe(spanId(ask));
    expect(ask.attributes['lazytrace.output']).toBe('"The answer is 42."');
  });

  it('an error mid-stream: the consumer gets the same error, the span is ERROR', async () => {
    const failure = new Error('connection reset');
    const broken = fn(
      async function* () {
        yield 'partial ';
        throw failure;
      },
      { name: 'broken', kind: 'llm' },
    );
    const flow = pipeline({ broken }, { name: 'outer' });
    const stream = (await flow.invoke(null)) as AsyncIterable<string>;
    const chunks: string[] = [];
    await expect(
      (async () => {
        for await (const c of stream) chunks.push(c);
      })(),
    ).rejects.toBe(failure);
    expect(chunks).toEqual(['partial ']);
    for (const name of ['broken', 'outer']) {
      const span = byName(finished(), name);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'connection reset' });
    }
    expect(finished().map((s) => s.name)).toEqual(['broken', 'outer']);
  });

  it('the consumer breaking early: the span ends, marked cancelled, not ERROR; the generator is closed', async () => {
    let cleanedUp = false;
    const infinite = fn(
      async function* () {
        try {
          for (let i = 0; ; i++) yield `t${i} `;
        } finally {
          cleanedUp = true;
        }
      },
      { name: 'infinite' },
    );
    const flow = pipeline({ infinite }, { name: 'outer' });
    const stream = (await flow.invoke(null)) as AsyncIterable<string>;
    let n = 0;
    for await (const _ of stream) if (++n === 3) break;
    expect(cleanedUp).toBe(true);
    expect(finished().map((s) => s.name)).toEqual(['infinite', 'outer']);
    for (const span of finished()) {
      expect(span.attributes['lazytrace.stream.cancelled']).toBe(true);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(byName(finished(), 'infinite').attributes['lazytrace.output']).toBe('"t0 t1 t2 "');
  });

  it('return() called on a stream never pulled ends the call as cancelled', async () => {
    const stream = (await new FakeChat({ name: 'c' }).invoke('x')) as AsyncIterableIterator<string>;
    await stream.return?.();
    expect(finished()[0]?.attributes['lazytrace.stream.cancelled']).toBe(true);
    expect(finished()[0]?.attributes['lazytrace.stream.chunks']).toBe(0);
  });

  it('a stream never iterated is closed as abandoned after the idle timeout, and stays usable', async () => {
    configureTracing({ streamIdleTimeoutMs: 30 });
    const stream = (await new FakeChat({ name: 'c' }).invoke('x')) as AsyncIterable<string>;
    // Closed between one and two timeouts after the last pull; wait for it (bounded).
    for (let i = 0; i < 200 && finished().length === 0; i++) await tick(10);
    expect(finished()).toHaveLength(1);
    expect(finished()[0]?.attributes['lazytrace.stream.abandoned']).toBe(true);
    // A late consumer still gets every chunk, unchanged.
    expect(await collect(stream)).toBe('The answer is 42.');
    expect(finished()).toHaveLength(1);
  });

  it('an idle timeout beyond what a Node timer holds (Infinity) means never, not 1 ms', async () => {
    configureTracing({ streamIdleTimeoutMs: Number.POSITIVE_INFINITY });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const stream = (await new FakeChat({ name: 'c' }).invoke('x')) as AsyncIterable<string>;
      await tick(40);
      expect(finished()).toHaveLength(0);
      expect(await collect(stream)).toBe('The answer is 42.');
      expect(finished()[0]?.attributes['lazytrace.stream.abandoned']).toBeUndefined();
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('pulls settled out of order: the end waits for the chunk still in flight, or for one idle timeout', async () => {
    configureTracing({ streamIdleTimeoutMs: 30 });
    const { source, settle: resolvers } = manualSource<string>();
    const queue = fn(() => source, { name: 'queue' });

    // The chunk of the first pull arrives after the second pull said done: it is recorded.
    const iterator = ((await queue.invoke(null)) as AsyncIterable<string>)[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    resolvers[1]!({ done: true, value: undefined });
    await tick();
    expect(finished()).toHaveLength(0);
    resolvers[0]!({ done: false, value: 'a' });
    expect(await first).toEqual({ done: false, value: 'a' });
    expect(await second).toEqual({ done: true, value: undefined });
    expect(finished()[0]?.attributes['lazytrace.stream.chunks']).toBe(1);
    expect(finished()[0]?.attributes['lazytrace.output']).toBe('"a"');

    // A pull that never settles after done: the call still ends (as done, not abandoned).
    resolvers.length = 0;
    const stuck = ((await queue.invoke(null)) as AsyncIterable<string>)[Symbol.asyncIterator]();
    void stuck.next();
    const end = stuck.next();
    resolvers[1]!({ done: true, value: undefined });
    await end;
    for (let i = 0; i < 200 && finished().length < 2; i++) await tick(10);
    expect(finished()).toHaveLength(2);
    expect(finished()[1]?.attributes['lazytrace.stream.chunks']).toBe(0);
    expect(finished()[1]?.attributes['lazytrace.stream.abandoned']).toBeUndefined();
  });

  it("a strict post hook failing where no pull can carry it is logged, never put in a chunk's place", async () => {
    configureTracing({ streamIdleTimeoutMs: 30 });
    const warnings: string[] = [];
    setLogger({ warn: (message) => warnings.push(message) });
    const strictPost = {
      name: 'strict-post',
      errorMode: 'strict' as const,
      create: () => ({
        post() {
          throw new Error('post broke');
        },
      }),
    };
    try {
      const { source, settle: resolvers } = manualSource<string>();
      const queue = fn(() => source, { name: 'strict-queue' }).registerHook(strictPost);
      const iterator = ((await queue.invoke(null)) as AsyncIterable<string>)[Symbol.asyncIterator]();
      const first = iterator.next();
      const second = iterator.next();
      resolvers[1]!({ done: true, value: undefined });
      await tick();
      resolvers[0]!({ done: false, value: 'late' });
      // The chunk reaches the consumer; the failure, with nobody to reach, is logged.
      expect(await first).toEqual({ done: false, value: 'late' });
      expect(await second).toEqual({ done: true, value: undefined });
      expect(warnings.filter((w) => w.includes('strict-queue') && w.includes('post broke'))).toHaveLength(1);

      // The watchdog closing a stream nobody pulls: the same failure is logged, not dropped.
      const abandoned = fn(
        async function* () {
          yield 'never read';
        },
        { name: 'strict-abandoned' },
      ).registerHook(strictPost);
      await abandoned.invoke(null);
      for (let i = 0; i < 200 && !warnings.some((w) => w.includes('strict-abandoned')); i++) await tick(10);
      expect(warnings.filter((w) => w.includes('strict-abandoned') && w.includes('post broke'))).toHaveLength(
        1,
      );
    } finally {
      setLogger(undefined);
    }
  });

  it('a consumer waiting on a slow producer is not idle', async () => {
    configureTracing({ streamIdleTimeoutMs: 20 });
    const slow = fn(
      async function* () {
        await tick(60);
        yield 'late';
      },
      { name: 'slow' },
    );
    const stream = (await slow.invoke(null)) as AsyncIterable<string>;
    expect(await collect(stream)).toBe('late');
    expect(finished()[0]?.attributes['lazytrace.stream.abandoned']).toBeUndefined();
  });

  it('chunks reach the consumer unchanged (same objects), one pull at a time', async () => {
    const objects = [{ delta: 'a' }, { delta: 'b' }];
    let pulled = 0;
    const source = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () => {
            pulled++;
            return i < objects.length
              ? { done: false, value: objects[i++] }
              : { done: true, value: undefined };
          },
        };
      },
    };
    const stream = (await fn(() => source, { name: 'objects' }).invoke(null)) as AsyncIterable<object>;
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toBe(objects[0]);
    expect(pulled).toBe(1); // no read-ahead, no buffering
    expect((await iterator.next()).value).toBe(objects[1]);
    expect((await iterator.next()).done).toBe(true);
    expect(finished()[0]?.attributes['lazytrace.output']).toBe(JSON.stringify(objects));
  });

  it('an OpenAI-style stream object keeps its own members (controller, helpers), and is not a thenable', async () => {
    const aborted: string[] = [];
    class ProviderStream {
      readonly controller = { abort: () => aborted.push('aborted') };
      async *[Symbol.asyncIterator]() {
        yield { delta: 'hi' };
      }
      describe() {
        return `stream with ${this.controller ? 'a' : 'no'} controller`;
      }
    }
    const stream = (await fn(async () => new ProviderStream(), { name: 'provider' }).invoke(
      null,
    )) as unknown as ProviderStream & AsyncIterable<{ delta: string }>;
    expect(stream.describe()).toBe('stream with a controller');
    stream.controller.abort();
    expect(aborted).toEqual(['aborted']);
    expect((stream as unknown as { then?: unknown }).then).toBeUndefined();
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual([{ delta: 'hi' }]);
    expect(finished()[0]?.attributes['lazytrace.stream.chunks']).toBe(1);
  });

  it('records a long stream within the capture budget', async () => {
    configureTracing({ maxContentChars: 1_000 });
    const long = fn(
      async function* () {
        for (let i = 0; i < 10_000; i++) yield 'token ';
      },
      { name: 'long' },
    );
    let count = 0;
    for await (const _ of (await long.invoke(null)) as AsyncIterable<string>) count++;
    expect(count).toBe(10_000);
    const output = finished()[0]?.attributes['lazytrace.output'] as string;
    expect(output.length).toBeLessThanOrEqual(1_000);
    expect(output).toContain('…[truncated');
    expect(finished()[0]?.attributes['lazytrace.stream.chunks']).toBe(10_000);
  });

  // Per chunk, each promise pays Node's promise hooks once any AsyncLocalStorage is on: the one
  // `.then` that observes the chunk is the cost floor (docs/performance.md, "minimal wrapper").
  // Counted, not timed: anything added per chunk (a wrapper generator, a second `.then`, a timer)
  // shows up here.
  it('per chunk, one promise more than the bare generator and no other async resource', async () => {
    async function* tokens(n: number) {
      for (let i = 0; i < n; i++) yield 'tok ';
    }
    const traced = fn(tokens, { name: 'tokens' });
    const counts = new Map<string, number>();
    const hook = createHook({ init: (_id, type) => counts.set(type, (counts.get(type) ?? 0) + 1) });
    const resources = async (run: () => Promise<void>) => {
      counts.clear();
      hook.enable();
      try {
        await run();
      } finally {
        hook.disable();
      }
      return new Map(counts);
    };
    const bare = (n: number) =>
      resources(async () => {
        for await (const _ of tokens(n));
      });
    const tracedRun = (n: number) =>
      resources(async () => {
        for await (const _ of (await traced.invoke(n)) as AsyncIterable<string>);
      });
    await tracedRun(10); // warm: anything made once per process is not per chunk
    const perChunk = async (count: (n: number) => Promise<Map<string, number>>) => {
      const [short, long] = [await count(100), await count(300)];
      const types = new Set([...short.keys(), ...long.keys()]);
      return Object.fromEntries([...types].map((t) => [t, ((long.get(t) ?? 0) - (short.get(t) ?? 0)) / 200]));
    };
    const bareRate = await perChunk(bare);
    const tracedRate = await perChunk(tracedRun);
    expect(tracedRate.PROMISE).toBe((bareRate.PROMISE ?? 0) + 1);
    for (const [type, rate] of Object.entries(tracedRate)) {
      if (type !== 'PROMISE') expect({ type, rate }).toEqual({ type, rate: bareRate[type] ?? 0 });
    }
  });

  it('code inside the generator runs with the stream span active, so nested calls nest', async () => {
    const inner = fn((x: string) => x.toUpperCase(), { name: 'inner' });
    const outer = fn(
      async function* () {
        yield await inner.invoke('a');
        yield await inner.invoke('b');
      },
      { name: 'outer' },
    );
    expect(await collect((await outer.invoke(null)) as AsyncIterable<string>)).toBe('AB');
    const outerSpan = byName(finished(), 'outer');
    const inners = finished().filter((s) => s.name === 'inner');
    expect(inners).toHaveLength(2);
    for (const s of inners) expect(parentId(s)).toBe(spanId(outerSpan));
  });
});

import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallContext,
  configureTracing,
  fn,
  getTraceId,
  type Hook,
  type Invocation,
  Module,
  pipeline,
  registerHookProvider,
  setTrace,
  traced,
  withTrace,
} from '@lazytrace/core';
import { context, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from '../../support/http.js';
import { byName, parentId, spanId, traceId } from '../../support/otel.js';
import { exporter, provider, useTestTracing } from '../support.js';

// Review of the direct path (issue #10, H3: 7d39ba0): a traced call whose only hook is
// lazytrace's own runs it directly, without a Lifecycle. Everything the guarded path promised
// must hold there too: results and errors are the application's own (same identity, same number
// of `then` reads as with tracing off), hooks added or removed at any moment are seen by the next
// call, the span tree and the per-request trace context are right, a stream is still a stream.
// Each "as with tracing off" check runs the same code under withTrace({ enabled: false }) (no
// hooks at all: the plain call) and compares.

useTestTracing();
afterEach(() => configureTracing({ tracerProvider: provider }));

const off = <T>(run: () => T): T => withTrace({ enabled: false }, run);

/** What a call settled with: the value or the error itself (identity is compared). */
async function outcome(promise: Promise<unknown>): Promise<{ ok: boolean; value: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, value: error };
  }
}

describe('results and errors are the application’s own', () => {
  const sameObject = { answer: 42 };
  const sameFunction = () => 'f';
  const frozen = Object.freeze({ frozen: true });
  const values: [string, unknown][] = [
    ['an object', sameObject],
    ['a function', sameFunction],
    ['a frozen object', frozen],
    ['null', null],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['an array', [1, 2, 3]],
  ];

  it.each(values)('%s returned sync and async is the same value', async (_label, value) => {
    const sync = fn(() => value, { name: 'sync' });
    const asyncFn = fn(async () => value, { name: 'async' });
    expect(Object.is(await sync.invoke(null), value)).toBe(true);
    expect(Object.is(await asyncFn.invoke(null), value)).toBe(true);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['sync', 'async']);
  });

  it('a custom thenable: its then is read and called as often as with tracing off, its value comes out', async () => {
    function makeThenable(value: unknown) {
      const counts = { reads: 0, calls: 0 };
      const thenable = {
        // biome-ignore lint/suspicious/noThenProperty: a thenable result is what is tested
        get then() {
          counts.reads++;
          return (resolve: (v: unknown) => void) => {
            counts.calls++;
            resolve(value);
          };
        },
      };
      return { thenable, counts };
    }
    const payload = { p: 1 };
    const plain = makeThenable(payload);
    const plainCall = fn(() => plain.thenable, { name: 'thenable' });
    const untraced = await off(() => plainCall.invoke(null));
    const traced = makeThenable(payload);
    const tracedCall = fn(() => traced.thenable, { name: 'thenable' });
    const result = await tracedCall.invoke(null);
    expect(untraced).toBe(payload);
    expect(result).toBe(payload);
    expect(traced.counts).toEqual(plain.counts);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('a function result with a then member is treated as a thenable exactly as with tracing off', async () => {
    const make = () => {
      const thenableFn = Object.assign(() => 'called', {
        // biome-ignore lint/suspicious/noThenProperty: a thenable result is what is tested
        then(resolve: (v: unknown) => void) {
          resolve('from-then');
        },
      });
      return thenableFn;
    };
    const call = fn(() => make(), { name: 'fn-thenable' });
    expect(await off(() => call.invoke(null))).toBe('from-then');
    expect(await call.invoke(null)).toBe('from-then');
  });

  it('a result whose then getter throws rejects with that very error, as with tracing off', async () => {
    const failure = new Error('then getter');
    const hostile = () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable result is what is tested
      get then(): never {
        throw failure;
      },
    });
    const call = fn(() => hostile(), { name: 'hostile' });
    const untraced = await outcome(off(() => call.invoke(null)));
    const traced = await outcome(call.invoke(null));
    expect(untraced).toEqual({ ok: false, value: failure });
    expect(traced.ok).toBe(false);
    expect(traced.value).toBe(failure);
    const span = byName(exporter.getFinishedSpans(), 'hostile');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  const thrown: [string, () => unknown][] = [
    ['an Error', () => new TypeError('typed')],
    ['a string', () => 'just a string'],
    ['undefined', () => undefined],
    ['null', () => null],
    ['a plain object', () => ({ code: 42 })],
    ['a number', () => 7],
  ];

  it.each(thrown)(
    '%s thrown sync, thrown async, and rejected: the same value reaches the caller, the span is an error',
    async (label, make) => {
      const error = make();
      const syncThrow = fn(
        () => {
          throw error;
        },
        { name: 'sync-throw' },
      );
      const asyncThrow = fn(
        async () => {
          await Promise.resolve();
          throw error;
        },
        { name: 'async-throw' },
      );
      const rejected = fn(() => Promise.reject(error), { name: 'rejected' });
      for (const call of [syncThrow, asyncThrow, rejected]) {
        const result = await outcome(call.invoke(null));
        expect([label, call.name, result.ok]).toEqual([label, call.name, false]);
        expect(Object.is(result.value, error)).toBe(true);
      }
      const spans = exporter.getFinishedSpans();
      expect(spans).toHaveLength(3);
      for (const span of spans) {
        expect([span.name, span.status.code]).toEqual([span.name, SpanStatusCode.ERROR]);
        expect(span.attributes['error.type']).toBeDefined();
        expect(span.events.some((e) => e.name === 'exception')).toBe(true);
      }
    },
  );
});

describe('hooks added and removed at any moment', () => {
  /** A user hook class recording its phases, with an around that checks the active span. */
  function recorder(events: string[]) {
    return class Recorder implements Hook {
      constructor(private readonly call: Invocation) {}
      pre() {
        events.push(`pre:${this.call.name}`);
      }
      around<R>(next: () => R): R {
        events.push(`around:${this.call.name}:${trace.getActiveSpan() === undefined ? 'no-span' : 'span'}`);
        return next();
      }
      post() {
        events.push(`post:${this.call.name}`);
      }
      finalize() {
        events.push(`finalize:${this.call.name}`);
      }
    };
  }

  it('registered inside a call: the calls it makes next see the hook, the running call does not; removed inside a call: the next calls do not', async () => {
    const events: string[] = [];
    const Recorder = recorder(events);
    let remove: (() => void) | undefined;
    const child = fn((x: number) => x + 1, { name: 'child' });
    const parent = fn(
      async (x: number) => {
        const a = await child.invoke(x); // direct path: no user hook yet
        remove = registerHookProvider(() => [Recorder]);
        const b = await child.invoke(a); // hooked
        remove();
        const c = await child.invoke(b); // direct path again
        return c;
      },
      { name: 'parent' },
    );
    for (let i = 0; i < 50; i++) await parent.invoke(0); // warm
    events.length = 0;
    exporter.reset();
    expect(await parent.invoke(10)).toBe(13);
    expect(events).toEqual(['pre:child', 'around:child:span', 'post:child', 'finalize:child']);
    const spans = exporter.getFinishedSpans();
    const root = byName(spans, 'parent');
    const children = spans.filter((s) => s.name === 'child');
    expect(children).toHaveLength(3);
    for (const c of children) expect(parentId(c)).toBe(spanId(root));
    expect(children.map((c) => c.attributes['lazytrace.input'])).toEqual(['10', '11', '12']);
  });

  it('registered while a call is in flight: that call still ends its one span; later calls run the hook', async () => {
    const events: string[] = [];
    const Recorder = recorder(events);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = fn(
      async (x: number) => {
        await gate;
        return x * 2;
      },
      { name: 'slow' },
    );
    const inFlight = slow.invoke(4);
    const remove = registerHookProvider(() => [Recorder]);
    try {
      release();
      expect(await inFlight).toBe(8);
      // The in-flight call's hooks were fixed when it started.
      expect(events).toEqual([]);
      expect(await slow.invoke(5)).toBe(10);
      expect(events).toEqual(['pre:slow', 'around:slow:span', 'post:slow', 'finalize:slow']);
    } finally {
      remove();
    }
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.attributes['lazytrace.output']])).toEqual([
      ['slow', '8'],
      ['slow', '10'],
    ]);
  });

  it('removed while a hooked call is in flight: that call still runs the hook’s post and finalize', async () => {
    const events: string[] = [];
    const Recorder = recorder(events);
    const remove = registerHookProvider(() => [Recorder]);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = fn(
      async () => {
        await gate;
        return 'done';
      },
      { name: 'slow' },
    );
    const inFlight = slow.invoke(null);
    remove();
    release();
    expect(await inFlight).toBe('done');
    expect(events).toEqual(['pre:slow', 'around:slow:span', 'post:slow', 'finalize:slow']);
    events.length = 0;
    await slow.invoke(null);
    expect(events).toEqual([]);
    expect(exporter.getFinishedSpans()).toHaveLength(2);
  });

  it('module.registerHook after the module was called many times: its around runs inside the call’s span', async () => {
    class Summarize extends Module<string, string> {
      override kind = 'llm';
      forward(text: string) {
        return `${text.slice(0, 3)}…`;
      }
    }
    const summarize = new Summarize({ name: 'summarize' });
    for (let i = 0; i < 100; i++) await summarize.invoke('warming');
    exporter.reset();
    const spansSeen: (string | undefined)[] = [];
    summarize.registerHook(
      class ActiveSpan implements Hook {
        around<R>(next: () => R): R {
          spansSeen.push(trace.getActiveSpan()?.spanContext().spanId);
          return next();
        }
      },
    );
    expect(await summarize.invoke('abcdef')).toBe('abc…');
    const span = byName(exporter.getFinishedSpans(), 'summarize');
    expect(spansSeen).toEqual([spanId(span)]);
  });

  it('a user around hook that replaces nothing still gets the original value and error identity back', async () => {
    const seen: unknown[] = [];
    class Observe implements Hook {
      around<R>(next: () => R): R {
        const result = next();
        seen.push(result);
        return result;
      }
    }
    const remove = registerHookProvider(() => [Observe]);
    const value = { v: 1 };
    const error = new Error('e');
    try {
      expect(await fn(() => value, { name: 'v' }).invoke(null)).toBe(value);
      const failed = await outcome(
        fn(
          () => {
            throw error;
          },
          { name: 'e' },
        ).invoke(null),
      );
      expect(failed.value).toBe(error);
    } finally {
      remove();
    }
    expect(seen[0]).toBe(value);
  });
});

describe('recording, switches and sampling on the direct path', () => {
  it('ctx.recording is true when recorded, false under an always-off sampler and under enabled: false', async () => {
    const seen: boolean[] = [];
    const probe = fn((_: unknown, ctx: CallContext) => seen.push(ctx.recording), { name: 'probe' });
    await probe.invoke(null);
    await off(() => probe.invoke(null));
    const sampledOut = new InMemorySpanExporter();
    configureTracing({
      tracerProvider: new BasicTracerProvider({
        sampler: new AlwaysOffSampler(),
        spanProcessors: [new SimpleSpanProcessor(sampledOut)],
      }),
    });
    await probe.invoke(null);
    expect(seen).toEqual([true, false, false]);
    expect(sampledOut.getFinishedSpans()).toHaveLength(0);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('a sampled-out remote parent: no span, content never read, the value is the app’s own', async () => {
    const parentBased = new InMemorySpanExporter();
    configureTracing({
      tracerProvider: new BasicTracerProvider({
        sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
        spanProcessors: [new SimpleSpanProcessor(parentBased)],
      }),
    });
    let reads = 0;
    const input = {
      get secret() {
        reads++;
        return 's';
      },
    };
    const remote = trace.wrapSpanContext({
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const recording: boolean[] = [];
    const call = fn(
      (x: typeof input, ctx: CallContext) => {
        recording.push(ctx.recording);
        return x;
      },
      { name: 'under-remote' },
    );
    const out = await context.with(trace.setSpan(context.active(), remote), () => call.invoke(input));
    expect(out).toBe(input);
    expect(reads).toBe(0);
    expect(recording).toEqual([false]);
    expect(parentBased.getFinishedSpans()).toHaveLength(0);
    // A sampled root right after: recorded.
    await call.invoke(input);
    expect(parentBased.getFinishedSpans()).toHaveLength(1);
    expect(recording).toEqual([false, true]);
  });

  it('tracing switched off and on at run time between calls of the same runnable', async () => {
    const step = fn((x: number) => x + 1, { name: 'step' });
    const runs: string[] = [];
    for (let i = 0; i < 6; i++) {
      if (i % 2 === 0) {
        await step.invoke(i);
        runs.push('on');
      } else {
        await off(() => step.invoke(i));
        runs.push('off');
      }
    }
    configureTracing({ tracerProvider: null });
    await step.invoke(100);
    configureTracing({ tracerProvider: provider });
    await step.invoke(200);
    expect(exporter.getFinishedSpans().map((s) => s.attributes['lazytrace.input'])).toEqual([
      '0',
      '2',
      '4',
      '200',
    ]);
  });
});

describe('span tree and trace context on the direct path', () => {
  it('200 concurrent nested calls: each child under its own parent, each with its own withTrace values', async () => {
    const leaf = fn(
      async (x: string) => {
        await new Promise((r) => setTimeout(r, x.length % 3));
        return `${x}!`;
      },
      { name: 'leaf' },
    );
    const middle = fn(
      async (x: string) => {
        const [a, b] = await Promise.all([leaf.invoke(`${x}a`), leaf.invoke(`${x}b`)]);
        return a + b;
      },
      { name: 'middle' },
    );
    const top = fn(async (x: string) => middle.invoke(x), { name: 'top' });
    const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const outs = await Promise.all(
      ids.map((id, i) =>
        withTrace({ userId: `u-${id}`, sessionId: `s-${id}`, tags: [`t${i % 5}`] }, () => top.invoke(id)),
      ),
    );
    expect(outs).toEqual(ids.map((id) => `${id}a!${id}b!`));
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(800);
    const byId = new Map(spans.map((s) => [spanId(s), s]));
    for (const [i, id] of ids.entries()) {
      const root = spans.find(
        (s) => s.name === 'top' && s.attributes['lazytrace.input'] === JSON.stringify(id),
      )!;
      expect(root.attributes['lazytrace.root']).toBe(true);
      const mine = spans.filter((s) => traceId(s) === traceId(root));
      expect(mine.map((s) => s.name).sort()).toEqual(['leaf', 'leaf', 'middle', 'top']);
      for (const span of mine) {
        expect([id, span.name, span.attributes['user.id']]).toEqual([id, span.name, `u-${id}`]);
        expect(span.attributes['session.id']).toBe(`s-${id}`);
        expect(span.attributes['lazytrace.tags']).toEqual([`t${i % 5}`]);
        expect(span.attributes['lazytrace.trace.name']).toBe('top');
        if (span !== root) expect(span.attributes['lazytrace.root']).toBeUndefined();
      }
      const mid = mine.find((s) => s.name === 'middle')!;
      expect(parentId(mid)).toBe(spanId(root));
      for (const l of mine.filter((s) => s.name === 'leaf')) {
        expect(parentId(l)).toBe(spanId(mid));
        expect(byId.get(parentId(l)!)?.name).toBe('middle');
      }
    }
  });

  it('ctx.traceId and getTraceId() inside the business code are the call’s own trace, per concurrent request', async () => {
    const seen: [string, string | undefined, string | undefined][] = [];
    const call = fn(
      async (x: string, ctx: CallContext) => {
        await new Promise((r) => setTimeout(r, x === 'a' ? 2 : 0));
        seen.push([x, ctx.traceId, getTraceId()]);
        return x;
      },
      { name: 'ids' },
    );
    await Promise.all(['a', 'b', 'c'].map((x) => call.invoke(x)));
    const spans = exporter.getFinishedSpans();
    expect(seen).toHaveLength(3);
    for (const [x, fromCtx, fromApi] of seen) {
      const span = spans.find((s) => s.attributes['lazytrace.input'] === JSON.stringify(x))!;
      expect([x, fromCtx, fromApi]).toEqual([x, traceId(span), traceId(span)]);
    }
    expect(new Set(seen.map((s) => s[1])).size).toBe(3);
  });

  it('setTrace in the business code reaches the calls it makes next, not its own span nor its siblings', async () => {
    const child = fn((x: string) => x, { name: 'child' });
    const parent = fn(
      async (x: string) => {
        const before = await child.invoke(`${x}-before`);
        setTrace({ userId: `set-${x}` });
        const after = await child.invoke(`${x}-after`);
        return [before, after];
      },
      { name: 'parent' },
    );
    await Promise.all([parent.invoke('a'), parent.invoke('b')]);
    const spans = exporter.getFinishedSpans();
    for (const x of ['a', 'b']) {
      const before = spans.find((s) => s.attributes['lazytrace.input'] === JSON.stringify(`${x}-before`))!;
      const after = spans.find((s) => s.attributes['lazytrace.input'] === JSON.stringify(`${x}-after`))!;
      expect(before.attributes['user.id']).toBeUndefined();
      expect(after.attributes['user.id']).toBe(`set-${x}`);
    }
    for (const p of spans.filter((s) => s.name === 'parent')) expect(p.attributes['user.id']).toBeUndefined();
  });

  it('paths mixed in one trace (direct, hooked, direct): parents right, a hook’s setTrace in pre reaches the direct calls below', async () => {
    const remove = registerHookProvider((target) =>
      (target as { name?: string }).name === 'middle'
        ? [
            {
              name: 'tagger',
              create: () => ({
                pre() {
                  setTrace({ metadata: { via: 'hook' } });
                },
              }),
            },
          ]
        : [],
    );
    const leaf = fn(async (x: number) => x, { name: 'leaf' });
    const middle = fn(async (x: number) => (await leaf.invoke(x)) + (await leaf.invoke(x)), {
      name: 'middle',
    });
    const top = fn(async (x: number) => middle.invoke(x), { name: 'top' });
    try {
      expect(await Promise.all([top.invoke(1), top.invoke(2)])).toEqual([2, 4]);
    } finally {
      remove();
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(8);
    for (const root of spans.filter((s) => s.name === 'top')) {
      const mine = spans.filter((s) => traceId(s) === traceId(root));
      const mid = mine.find((s) => s.name === 'middle')!;
      expect(parentId(mid)).toBe(spanId(root));
      const leaves = mine.filter((s) => s.name === 'leaf');
      expect(leaves).toHaveLength(2);
      for (const l of leaves) {
        expect(parentId(l)).toBe(spanId(mid));
        expect(l.attributes['lazytrace.metadata.via']).toBe('hook');
      }
      expect(root.attributes['lazytrace.metadata.via']).toBeUndefined();
    }
  });

  it('keep-alive HTTP, 40 concurrent requests over 3 sockets: every span carries its own request’s user, session and tags', async () => {
    const retrieve = fn(
      async (q: string) => {
        await new Promise((r) => setTimeout(r, Number(q.slice(1)) % 4));
        return [`doc-${q}`];
      },
      { name: 'retrieve', kind: 'retriever' },
    );
    const generate = fn(async (docs: string[]) => docs.join('+'), { name: 'generate', kind: 'llm' });
    const app = pipeline([retrieve, generate], { name: 'rag' });
    async function handle(req: IncomingMessage, res: ServerResponse) {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
      setTrace({ userId: `u-${q}`, sessionId: `s-${q}`, tags: [`tag-${q}`] });
      await new Promise((r) => setTimeout(r, Number(q.slice(1)) % 3));
      res.end(String(await app.invoke(q)));
    }
    const server = createServer((req, res) => {
      handle(req, res).catch((e: unknown) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
    server.keepAliveTimeout = 2_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    const qs = Array.from({ length: 40 }, (_, i) => `q${i}`);
    try {
      const bodies = await Promise.all(qs.map((q) => get(port, `/?q=${q}`, {}, agent)));
      expect(bodies).toEqual(qs.map((q) => `doc-${q}`));
    } finally {
      agent.destroy();
      await new Promise((r) => server.close(r));
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(120);
    for (const q of qs) {
      const root = spans.find(
        (s) => s.name === 'rag' && s.attributes['lazytrace.input'] === JSON.stringify(q),
      );
      expect(root, q).toBeDefined();
      const mine = spans.filter((s) => traceId(s) === traceId(root!));
      expect(mine.map((s) => s.name).sort()).toEqual(['generate', 'rag', 'retrieve']);
      for (const span of mine) {
        const where = `${q}/${span.name}`;
        expect([
          where,
          span.attributes['user.id'],
          span.attributes['session.id'],
          span.attributes['lazytrace.tags'],
        ]).toEqual([where, `u-${q}`, `s-${q}`, [`tag-${q}`]]);
        if (span !== root) expect(parentId(span)).toBe(spanId(root!));
      }
      expect(mine.find((s) => s.name === 'retrieve')!.attributes['lazytrace.documents.count']).toBe(1);
    }
  });
});

describe('the trace name and the root flag (carried per call, not per context copy)', () => {
  it('every span of a request carries its root’s name, also spans made by a stream read after the scope ended', async () => {
    const leaf = fn(async (x: number) => x, { name: 'leaf' });
    const gen = fn(
      async function* gen() {
        yield await leaf.invoke(1);
        yield await leaf.invoke(2);
      },
      { name: 'gen' },
    );
    const root = fn(async () => gen.invoke(null), { name: 'the-root' });
    const stream = (await withTrace({ userId: 'u' }, () => root.invoke(null))) as AsyncIterable<number>;
    await new Promise((r) => setTimeout(r, 1));
    const other = fn(async (x: number) => x, { name: 'other-root' });
    for await (const _ of stream) await other.invoke(0);
    const spans = exporter.getFinishedSpans();
    for (const span of spans) {
      const expected = span.name === 'other-root' ? 'other-root' : 'the-root';
      expect([span.name, span.attributes['lazytrace.trace.name']]).toEqual([span.name, expected]);
      const isRoot = span.name === 'the-root' || span.name === 'other-root';
      expect([span.name, span.attributes['lazytrace.root']]).toEqual([span.name, isRoot ? true : undefined]);
    }
    expect(spans.filter((s) => s.name === 'leaf')).toHaveLength(2);
  });

  it('withTrace({ traceName }) names every span of the request; concurrent requests keep their own', async () => {
    const leaf = fn(async (x: string) => x, { name: 'leaf' });
    const top = fn(async (x: string) => leaf.invoke(x), { name: 'top' });
    await Promise.all(
      ['a', 'b', 'c'].map((x) => withTrace({ traceName: `trace-${x}` }, () => top.invoke(x))),
    );
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(6);
    for (const span of spans) {
      const x = JSON.parse(span.attributes['lazytrace.input'] as string) as string;
      expect(span.attributes['lazytrace.trace.name']).toBe(`trace-${x}`);
    }
  });

  it('under a foreign OTel span (an HTTP server span): the first lazytrace call is the root, child of that span', async () => {
    const leaf = fn(async (x: number) => x, { name: 'leaf' });
    const top = fn(async (x: number) => leaf.invoke(x), { name: 'top' });
    const tracer = provider.getTracer('http-instrumentation');
    await tracer.startActiveSpan('GET /', async (http) => {
      await top.invoke(1);
      http.end();
    });
    const spans = exporter.getFinishedSpans();
    const http = byName(spans, 'GET /');
    const topSpan = byName(spans, 'top');
    const leafSpan = byName(spans, 'leaf');
    expect(parentId(topSpan)).toBe(spanId(http));
    expect(parentId(leafSpan)).toBe(spanId(topSpan));
    expect(topSpan.attributes['lazytrace.root']).toBe(true);
    expect(leafSpan.attributes['lazytrace.root']).toBeUndefined();
    expect(leafSpan.attributes['lazytrace.trace.name']).toBe('top');
  });
});

describe('a module switched off (its own hook is a context carrier, also run directly)', () => {
  it('no span for it; the calls it makes sit under its caller with the request’s values, also from its stream', async () => {
    const leaf = fn(async (x: string) => `${x}.`, { name: 'leaf' });
    const quiet = fn(
      async function* quiet(x: string) {
        yield await leaf.invoke(`${x}1`);
        yield await leaf.invoke(`${x}2`);
      },
      { name: 'quiet' },
    );
    const plainQuiet = fn(async (x: string) => leaf.invoke(`${x}p`), { name: 'plain-quiet' });
    const top = fn(
      async (x: string) => {
        let text = '';
        for await (const c of (await quiet.invoke(x)) as AsyncIterable<string>) text += c;
        return text + (await plainQuiet.invoke(x));
      },
      { name: 'top' },
    );
    const modules = { byName: { quiet: false, 'plain-quiet': false } };
    const outs = await Promise.all(
      ['a', 'b'].map((x) => withTrace({ userId: `u-${x}`, modules }, () => top.invoke(x))),
    );
    expect(outs).toEqual(['a1.a2.ap.', 'b1.b2.bp.']);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      'leaf',
      'leaf',
      'leaf',
      'leaf',
      'leaf',
      'leaf',
      'top',
      'top',
    ]);
    for (const root of spans.filter((s) => s.name === 'top')) {
      const x = JSON.parse(root.attributes['lazytrace.input'] as string) as string;
      const leaves = spans.filter((s) => s.name === 'leaf' && parentId(s) === spanId(root));
      expect(leaves.map((l) => l.attributes['lazytrace.input']).sort()).toEqual(
        [`"${x}1"`, `"${x}2"`, `"${x}p"`].sort(),
      );
      for (const l of leaves) expect(l.attributes['user.id']).toBe(`u-${x}`);
    }
  });
});

describe('a stream returned on the direct path is traced as a stream', () => {
  async function* tokens(n: number) {
    for (let i = 0; i < n; i++) {
      await Promise.resolve();
      yield `t${i} `;
    }
  }

  it('sync return, async return, and a Module: the span ends with the stream, with its chunks and text', async () => {
    class Streamer extends Module<number, AsyncIterable<string>> {
      override kind = 'llm';
      forward(n: number) {
        return tokens(n);
      }
    }
    const calls = [
      fn((n: number) => tokens(n), { name: 'sync-stream' }),
      fn(async (n: number) => tokens(n), { name: 'async-stream' }),
      new Streamer({ name: 'module-stream' }),
    ];
    for (const call of calls) {
      const stream = (await call.invoke(3)) as AsyncIterable<string>;
      // Returned, not consumed: the call is still open.
      expect(exporter.getFinishedSpans().some((s) => s.name === call.name)).toBe(false);
      let text = '';
      for await (const chunk of stream) text += chunk;
      expect(text).toBe('t0 t1 t2 ');
      const span = byName(exporter.getFinishedSpans(), call.name);
      expect(span.attributes['lazytrace.stream']).toBe(true);
      expect(span.attributes['lazytrace.stream.chunks']).toBe(3);
      expect(span.attributes['lazytrace.output']).toBe(JSON.stringify('t0 t1 t2 '));
      expect(typeof span.attributes['lazytrace.stream.time_to_first_chunk_ms']).toBe('number');
    }
  });

  it('a stream made before a user hook is registered and read after: traced once, the hook not run for it', async () => {
    const events: string[] = [];
    const call = fn((n: number) => tokens(n), { name: 'early' });
    const stream = (await call.invoke(2)) as AsyncIterable<string>;
    const remove = registerHookProvider(() => [
      class Late implements Hook {
        post() {
          events.push('post');
        }
      },
    ]);
    try {
      const got: string[] = [];
      for await (const c of stream) got.push(c);
      expect(got).toEqual(['t0 ', 't1 ']);
    } finally {
      remove();
    }
    expect(events).toEqual([]);
    const span = byName(exporter.getFinishedSpans(), 'early');
    expect(span.attributes['lazytrace.stream.chunks']).toBe(2);
  });

  it('a thenable resolving to a stream: still traced as a stream', async () => {
    const call = fn(
      (n: number) => ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable result is what is tested
        then(resolve: (v: unknown) => void) {
          resolve(tokens(n));
        },
      }),
      { name: 'thenable-stream' },
    );
    const stream = (await call.invoke(2)) as AsyncIterable<string>;
    let text = '';
    for await (const c of stream) text += c;
    expect(text).toBe('t0 t1 ');
    const span = byName(exporter.getFinishedSpans(), 'thenable-stream');
    expect(span.attributes['lazytrace.stream.chunks']).toBe(2);
  });
});

describe('@traced methods on the direct path', () => {
  it('this and the arguments are the call’s own, also when capturing the input re-enters the same method', async () => {
    const reentered: number[] = [];
    class Calc {
      readonly base = 100;
      @traced()
      async add(a: number | { valueOf(): number }, b: number): Promise<number> {
        return this.base + Number(a) + b;
      }
    }
    const calc = new Calc();
    // A getter read when the input is captured (in the hook's pre, before the method runs) calls
    // the same traced method of the same object with other arguments.
    const tricky = {
      get probe() {
        void calc.add(1000, 1000).then((v) => reentered.push(v));
        return 'probed';
      },
      valueOf: () => 1,
    };
    expect(await calc.add(tricky, 2)).toBe(103);
    await new Promise((r) => setTimeout(r, 1));
    // (The getter may be read more than once per capture, as before the speed work.)
    expect(reentered.length).toBeGreaterThan(0);
    for (const v of reentered) expect(v).toBe(2100);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'Calc.add');
    expect(spans).toHaveLength(1 + reentered.length);
    expect(spans.filter((s) => s.attributes['lazytrace.output'] === '103')).toHaveLength(1);
  });

  it('a traced async generator method: chunks and this untouched, traced as a stream', async () => {
    class Talker {
      readonly words = ['a', 'b', 'c'];
      @traced()
      async *speak(times: number): AsyncGenerator<string> {
        for (let i = 0; i < times; i++) yield this.words[i]!;
      }
    }
    const talker = new Talker();
    const got: string[] = [];
    for await (const w of await (talker.speak(3) as unknown as Promise<AsyncIterable<string>>)) got.push(w);
    expect(got).toEqual(['a', 'b', 'c']);
    const span = byName(exporter.getFinishedSpans(), 'Talker.speak');
    expect(span.attributes['lazytrace.stream.chunks']).toBe(3);
  });
});

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type CallContext,
  configureTracing,
  fn,
  type Hook,
  registerHookProvider,
  withTrace,
} from '@lazytrace/core';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from '../../support/http.js';
import { manualSource } from '../../support/manual-source.js';
import { byName, parentId, spanId, traceId } from '../../support/otel.js';
import { exporter, useTestTracing } from '../support.js';

// Review of the traced stream's per-chunk path (issue #10, H2: streaming/**): chunks and errors
// pass through untouched (same objects), the consumer's return()/throw() reach the source, the
// call ends exactly once however the iteration ends, pulls run in the call's context (spans made
// in the generator are its children, with the request's trace context even when read after the
// request's scope ended), the record stays bounded for a million chunks, and the idle watchdog
// still closes an abandoned stream. Run on both paths: lazytrace's own hook alone (the direct
// per-chunk path) and with a user hook (the guarded chain).

useTestTracing();
afterEach(() => configureTracing({ streamIdleTimeoutMs: null, maxContentChars: null }));

class Noop implements Hook {}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until a span with that name has ended. */
async function ended(name: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!exporter.getFinishedSpans().some((s) => s.name === name) && Date.now() < deadline) await pause(2);
  return byName(exporter.getFinishedSpans(), name);
}

describe.each([
  ['lazytrace’s own hook alone', false],
  ['with a user hook', true],
] as const)('a traced stream (%s)', (_label, userHook) => {
  let remove: (() => void) | undefined;
  afterEach(() => {
    remove?.();
    remove = undefined;
  });
  const setup = () => {
    if (userHook) remove = registerHookProvider(() => [Noop]);
  };

  it('yields the very chunk objects, in order; chunk count and first-chunk time are recorded', async () => {
    setup();
    const chunks = [{ a: 1 }, ['x'], 'text', 0, null, { b: 2 }];
    const source = fn(
      async function* same() {
        for (const c of chunks) yield c;
      },
      { name: 'same' },
    );
    const got: unknown[] = [];
    for await (const c of (await source.invoke(null)) as AsyncIterable<unknown>) got.push(c);
    expect(got).toHaveLength(chunks.length);
    for (const [i, c] of got.entries()) expect(Object.is(c, chunks[i])).toBe(true);
    const span = byName(exporter.getFinishedSpans(), 'same');
    expect(span.attributes['lazytrace.stream']).toBe(true);
    expect(span.attributes['lazytrace.stream.chunks']).toBe(6);
    expect(typeof span.attributes['lazytrace.stream.time_to_first_chunk_ms']).toBe('number');
    expect(span.attributes['lazytrace.stream.time_to_first_chunk_ms']).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ['an Error', () => new RangeError('mid-stream')],
    ['a string', () => 'plain string thrown'],
    ['undefined', () => undefined],
    ['an object', () => ({ code: 'E' })],
  ])('%s thrown mid-stream reaches the consumer as is; the span ends once, as an error', async (_l, make) => {
    setup();
    const error = make();
    const failing = fn(
      async function* failing() {
        yield 'one';
        await pause(0);
        throw error;
      },
      { name: 'failing' },
    );
    const got: unknown[] = [];
    let caught: unknown = 'nothing';
    try {
      for await (const c of (await failing.invoke(null)) as AsyncIterable<unknown>) got.push(c);
    } catch (e) {
      caught = e;
    }
    expect(got).toEqual(['one']);
    expect(Object.is(caught, error)).toBe(true);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'failing');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[0]!.attributes['lazytrace.stream.chunks']).toBe(1);
  });

  it('early break: return() reaches the generator (its finally runs), the signal aborts, the span ends as cancelled', async () => {
    setup();
    let finallyRan = false;
    let signal: AbortSignal | undefined;
    const endless = fn(
      async function* endless(_: unknown, ctx: CallContext) {
        signal = ctx.signal;
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          finallyRan = true;
        }
      },
      { name: 'endless' },
    );
    const got: number[] = [];
    for await (const n of (await endless.invoke(null)) as AsyncIterable<number>) {
      got.push(n);
      if (n === 2) break;
    }
    expect(got).toEqual([0, 1, 2]);
    expect(finallyRan).toBe(true);
    expect(signal?.aborted).toBe(true);
    const span = byName(exporter.getFinishedSpans(), 'endless');
    expect(span.attributes['lazytrace.stream.cancelled']).toBe(true);
    expect(span.attributes['lazytrace.stream.chunks']).toBe(3);
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('throw(): the consumer’s error object reaches the generator; caught there, the stream goes on; not caught, it ends the call', async () => {
    setup();
    const injected = new Error('injected by consumer');
    const seen: unknown[] = [];
    const recovering = fn(
      async function* recovering() {
        try {
          yield 'a';
        } catch (e) {
          seen.push(e);
          yield 'recovered';
        }
        yield 'b';
      },
      { name: 'recovering' },
    );
    const it1 = ((await recovering.invoke(null)) as AsyncIterable<string>)[Symbol.asyncIterator]();
    expect(await it1.next()).toEqual({ done: false, value: 'a' });
    expect(await it1.throw!(injected)).toEqual({ done: false, value: 'recovered' });
    expect(seen).toEqual([injected]);
    expect(seen[0]).toBe(injected);
    expect(await it1.next()).toEqual({ done: false, value: 'b' });
    expect(await it1.next()).toEqual({ done: true, value: undefined });
    const ok = byName(exporter.getFinishedSpans(), 'recovering');
    expect(ok.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(ok.attributes['lazytrace.stream.chunks']).toBe(3);

    const plain = fn(
      async function* plain() {
        yield 'a';
        yield 'never';
      },
      { name: 'not-recovering' },
    );
    const it2 = ((await plain.invoke(null)) as AsyncIterable<string>)[Symbol.asyncIterator]();
    await it2.next();
    let caught: unknown;
    try {
      await it2.throw!(injected);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(injected);
    const failed = exporter.getFinishedSpans().filter((s) => s.name === 'not-recovering');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('concurrent next() calls: every chunk delivered once and in order, counted once; one span', async () => {
    setup();
    const source = fn(
      async function* counted() {
        for (let i = 0; i < 5; i++) {
          await pause(i % 2);
          yield i;
        }
      },
      { name: 'concurrent' },
    );
    const iterator = ((await source.invoke(null)) as AsyncIterable<number>)[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 7 }, () => iterator.next()));
    expect(results).toEqual([
      { done: false, value: 0 },
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
      { done: false, value: 4 },
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'concurrent');
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['lazytrace.stream.chunks']).toBe(5);
    expect(spans[0]!.attributes['lazytrace.output']).toBe('[0,1,2,3,4]');
  });

  it('read after its withTrace scope ended, inside another request: calls made by its pulls are its children, with its own request’s values', async () => {
    setup();
    const lookup = fn(async (i: number) => `doc${i}`, { name: 'lookup' });
    const activeIds: (string | undefined)[] = [];
    const gen = fn(
      async function* gen() {
        for (let i = 0; i < 3; i++) {
          await pause(0);
          activeIds.push(trace.getActiveSpan()?.spanContext().spanId);
          yield await lookup.invoke(i);
        }
      },
      { name: 'gen', kind: 'llm' },
    );
    const stream = (await withTrace({ userId: 'creator', sessionId: 's-creator', tags: ['mine'] }, () =>
      gen.invoke(null),
    )) as AsyncIterable<string>;
    await pause(1);
    const text = await withTrace({ userId: 'reader', sessionId: 's-reader' }, async () => {
      let out = '';
      for await (const c of stream) out += c;
      await fn(() => 'x', { name: 'reader-call' }).invoke(null);
      return out;
    });
    expect(text).toBe('doc0doc1doc2');
    const spans = exporter.getFinishedSpans();
    const genSpan = byName(spans, 'gen');
    expect(activeIds).toEqual([spanId(genSpan), spanId(genSpan), spanId(genSpan)]);
    const lookups = spans.filter((s) => s.name === 'lookup');
    expect(lookups).toHaveLength(3);
    for (const l of [genSpan, ...lookups]) {
      expect(l.attributes['user.id']).toBe('creator');
      expect(l.attributes['session.id']).toBe('s-creator');
      expect(l.attributes['lazytrace.tags']).toEqual(['mine']);
      expect(traceId(l)).toBe(traceId(genSpan));
    }
    for (const l of lookups) expect(parentId(l)).toBe(spanId(genSpan));
    expect(byName(spans, 'reader-call').attributes['user.id']).toBe('reader');
  });

  it('calls the consumer makes between chunks belong to the consumer, not to the stream', async () => {
    setup();
    const source = fn(
      async function* source() {
        for (let i = 0; i < 3; i++) {
          await pause(0);
          yield i;
        }
      },
      { name: 'source' },
    );
    const side = fn((i: number) => i, { name: 'side' });
    const consumer = fn(
      async () => {
        const stream = (await source.invoke(null)) as AsyncIterable<number>;
        for await (const i of stream) {
          await side.invoke(i);
          await pause(0);
          await side.invoke(i + 10);
        }
        await side.invoke(99);
      },
      { name: 'consumer' },
    );
    await consumer.invoke(null);
    const spans = exporter.getFinishedSpans();
    const consumerSpan = byName(spans, 'consumer');
    const sourceSpan = byName(spans, 'source');
    expect(parentId(sourceSpan)).toBe(spanId(consumerSpan));
    const sides = spans.filter((s) => s.name === 'side');
    expect(sides).toHaveLength(7);
    for (const s of sides)
      expect([s.attributes['lazytrace.input'], parentId(s)]).toEqual([
        s.attributes['lazytrace.input'],
        spanId(consumerSpan),
      ]);
  });

  it('idle watchdog: a stream pulled once then abandoned is ended as abandoned', async () => {
    setup();
    configureTracing({ streamIdleTimeoutMs: 20 });
    const source = fn(
      async function* abandoned() {
        for (let i = 0; i < 10; i++) yield i;
      },
      { name: 'abandoned' },
    );
    const iterator = ((await source.invoke(null)) as AsyncIterable<number>)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 0 });
    const span = await ended('abandoned');
    expect(span.attributes['lazytrace.stream.abandoned']).toBe(true);
    expect(span.attributes['lazytrace.stream.chunks']).toBe(1);
  });

  it('a million object chunks: every one delivered, the record bounded by the budget', async () => {
    setup();
    configureTracing({ maxContentChars: 2_000 });
    const N = 1_000_000;
    const source = fn(
      async function* many() {
        for (let i = 0; i < N; i++) yield { i, role: 'delta' };
      },
      { name: 'many' },
    );
    let count = 0;
    let last = -1;
    for await (const c of (await source.invoke(null)) as AsyncIterable<{ i: number }>) {
      count++;
      last = c.i;
    }
    expect([count, last]).toEqual([N, N - 1]);
    const span = byName(exporter.getFinishedSpans(), 'many');
    expect(span.attributes['lazytrace.stream.chunks']).toBe(N);
    const output = span.attributes['lazytrace.output'] as string;
    expect(output.length).toBeLessThanOrEqual(2_000);
    expect(output).toMatch(/more chunks not recorded/);
    const kept = (JSON.parse(output) as unknown[]).filter((c) => typeof c === 'object').length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(200);
  });
});

describe('a source whose pulls settle out of order (an SDK reading a shared queue)', () => {
  // Reported in /tmp/lt-requests.md (04:07), fixed in 3f533cb: the end of the stream arriving before an
  // earlier pull's chunk ended the call first; that chunk reached the consumer but not the record.
  it('a chunk whose pull settles after the end is still counted and recorded', async () => {
    const { source, settle: resolvers } = manualSource<string>();
    const stream = (await fn(() => source, { name: 'out-of-order' }).invoke(null)) as AsyncIterable<string>;
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    const second = iterator.next();
    resolvers[1]!({ done: true, value: undefined });
    await pause(1);
    resolvers[0]!({ done: false, value: 'a' });
    expect(await first).toEqual({ done: false, value: 'a' });
    expect(await second).toEqual({ done: true, value: undefined });
    const span = await ended('out-of-order');
    expect(span.attributes['lazytrace.stream.chunks']).toBe(1);
    expect(span.attributes['lazytrace.output']).toBe('"a"');
  });
});

describe('a strict hook and a source whose pulls settle out of order', () => {
  // Reported to the lead (04:27), fixed in b2352a6 (logged there): since 3f533cb the call ended in the
  // handler of the late chunk, and a strict post failure thrown there replaced that chunk.
  it('the late chunk still reaches the consumer (the strict failure may surface elsewhere, never instead of a chunk)', async () => {
    const remove = registerHookProvider(() => [
      {
        name: 'strict-post',
        errorMode: 'strict' as const,
        create: () => ({
          post() {
            throw new Error('strict post');
          },
        }),
      },
    ]);
    try {
      const { source, settle: resolvers } = manualSource<string>();
      const stream = (await fn(() => source, { name: 'strict-ooo' }).invoke(null)) as AsyncIterable<string>;
      const iterator = stream[Symbol.asyncIterator]();
      const first = iterator.next();
      const second = iterator.next().catch((e: unknown) => e);
      resolvers[1]!({ done: true, value: undefined });
      await pause(1);
      resolvers[0]!({ done: false, value: 'a' });
      expect(await first).toEqual({ done: false, value: 'a' });
      await second;
    } finally {
      remove();
    }
  });
});

describe('a source that says done while a pull of it never settles', () => {
  it('the call still ends (at the idle check), as done with the chunks the consumer got, not as abandoned', async () => {
    configureTracing({ streamIdleTimeoutMs: 20 });
    const { source, settle: resolvers } = manualSource<string>();
    const stream = (await fn(() => source, { name: 'hanging' }).invoke(null)) as AsyncIterable<string>;
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    void iterator.next(); // never settles
    const third = iterator.next();
    resolvers[0]!({ done: false, value: 'a' });
    resolvers[2]!({ done: true, value: undefined });
    expect(await first).toEqual({ done: false, value: 'a' });
    expect(await third).toEqual({ done: true, value: undefined });
    const span = await ended('hanging');
    expect(span.attributes['lazytrace.stream.chunks']).toBe(1);
    expect(span.attributes['lazytrace.output']).toBe('"a"');
    expect(span.attributes['lazytrace.stream.abandoned']).toBeUndefined();
  });
});

describe('memory held by an open stream', () => {
  it('chunks past the budget are not kept alive while the stream is still being read', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    configureTracing({ maxContentChars: 1_000 });
    const refs: WeakRef<object>[] = [];
    const source = fn(
      async function* objects() {
        for (let i = 0; i < 20_000; i++) {
          const chunk = { i, payload: `p${i}` };
          if (i >= 10_000 && i < 10_010) refs.push(new WeakRef(chunk));
          yield chunk;
        }
        // Still open here: the call has not ended, so whatever the record keeps is still held.
        await pause(1);
        gc();
        await pause(1);
        gc();
        yield { alive: refs.filter((r) => r.deref() !== undefined).length };
      },
      { name: 'objects' },
    );
    let report: { alive?: number } = {};
    for await (const c of (await source.invoke(null)) as AsyncIterable<{ alive?: number }>) report = c;
    expect(report.alive).toBe(0);
  });

  it('a million empty string chunks between text: the text is whole and the record small', async () => {
    const source = fn(
      async function* sparse() {
        yield 'a';
        for (let i = 0; i < 1_000_000; i++) yield '';
        yield 'b';
      },
      { name: 'sparse' },
    );
    let n = 0;
    for await (const _ of (await source.invoke(null)) as AsyncIterable<string>) n++;
    expect(n).toBe(1_000_002);
    const span = byName(exporter.getFinishedSpans(), 'sparse');
    expect(span.attributes['lazytrace.output']).toBe('"ab"');
    expect(span.attributes['lazytrace.stream.chunks']).toBe(1_000_002);
  });
});

describe('a stream served over keep-alive HTTP', () => {
  it('clients that hang up mid-stream: each server-side stream span ends as cancelled, with its own request’s user; finished ones end done', async () => {
    const gen = fn(
      async function* tokens(q: string) {
        for (let i = 0; i < 500; i++) {
          await pause(2);
          yield `${q}:${i};`;
        }
      },
      { name: 'tokens', kind: 'llm' },
    );
    const short = fn(
      async function* shortTokens(q: string) {
        for (let i = 0; i < 3; i++) yield `${q}-${i}`;
      },
      { name: 'short' },
    );
    const server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('q') ?? '';
      let gone = false;
      res.on('close', () => {
        gone = true;
      });
      void (async () => {
        const source = q.startsWith('s') ? short : gen;
        const stream = (await withTrace({ userId: `u-${q}` }, () =>
          source.invoke(q),
        )) as AsyncIterable<string>;
        for await (const chunk of stream) {
          if (gone) break;
          res.write(chunk);
        }
        res.end();
      })().catch(() => res.destroy());
    });
    server.keepAliveTimeout = 2_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const hangUp = (q: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: `/?q=${q}` }, (res) => {
          res.setEncoding('utf8');
          res.once('data', (first: string) => {
            req.destroy();
            resolve(first);
          });
        });
        req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
        req.end();
      });
    const whole = (q: string) => get(port, `/?q=${q}`);
    try {
      const firsts = await Promise.all(['a', 'b', 'c'].map(hangUp));
      for (const [i, q] of ['a', 'b', 'c'].entries()) expect(firsts[i]!.startsWith(`${q}:0;`)).toBe(true);
      expect(await Promise.all(['s1', 's2'].map(whole))).toEqual(['s1-0s1-1s1-2', 's2-0s2-1s2-2']);
      const deadline = Date.now() + 10_000;
      while (
        exporter.getFinishedSpans().filter((s) => s.name === 'tokens').length < 3 &&
        Date.now() < deadline
      )
        await pause(5);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const spans = exporter.getFinishedSpans();
    const cancelled = spans.filter((s) => s.name === 'tokens');
    expect(cancelled).toHaveLength(3);
    for (const span of cancelled) {
      const q = JSON.parse(span.attributes['lazytrace.input'] as string) as string;
      expect(span.attributes['user.id']).toBe(`u-${q}`);
      expect(span.attributes['lazytrace.stream.cancelled']).toBe(true);
      expect(span.attributes['lazytrace.stream.chunks'] as number).toBeLessThan(500);
    }
    const done = spans.filter((s) => s.name === 'short');
    expect(done).toHaveLength(2);
    for (const span of done) {
      const q = JSON.parse(span.attributes['lazytrace.input'] as string) as string;
      expect(span.attributes['user.id']).toBe(`u-${q}`);
      expect(span.attributes['lazytrace.stream.cancelled']).toBeUndefined();
      expect(span.attributes['lazytrace.output']).toBe(JSON.stringify(`${q}-0${q}-1${q}-2`));
    }
  });
});

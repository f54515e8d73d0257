import {
  type CallContext,
  configureTracing,
  fn,
  type Hook,
  MASK_FAILED,
  pipeline,
  registerHookProvider,
  withTrace,
} from '@lazytrace/core';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parentId, spanId } from '../support/otel.js';
import { exporter, provider, useTestTracing } from './support.js';

// Review of ctx.recording, the "call that does not record" paths and the content switches, with
// and without a user hook (the short path and the guarded one), on streams read after their
// request's scope ended.

useTestTracing();
afterEach(() => {
  configureTracing({ mask: undefined, tracerProvider: provider });
});

class Noop implements Hook {}

const allAttributeText = () =>
  exporter
    .getFinishedSpans()
    .flatMap((s) => [
      ...Object.values(s.attributes),
      ...s.events.flatMap((e) => Object.values(e.attributes ?? {})),
    ])
    .map(String)
    .join('\n');

async function* words(text: string) {
  for (const w of text.split(' ')) {
    await new Promise((r) => setTimeout(r, 0));
    yield `${w} `;
  }
}

describe.each([
  ['only lazytrace’s hook', false],
  ['a user hook too', true],
] as const)('switches and sampling (%s)', (_label, userHook) => {
  beforeEach(() => (userHook ? registerHookProvider(() => [Noop]) : undefined));

  it('captureContent: false set by withTrace holds for calls made while its stream is read later, inside another request', async () => {
    const secretToken = fn(async (i: number) => `SECRET-${i}`, { name: 'token' });
    const gen = fn(
      async function* gen(q: string) {
        for (let i = 0; i < 3; i++) yield await secretToken.invoke(i);
        yield q;
      },
      { name: 'gen', kind: 'llm' },
    );
    const app = pipeline([gen], { name: 'private-app' });
    const stream = (await withTrace({ captureContent: false, sessionId: 'private' }, () =>
      app.invoke('SECRET-q'),
    )) as AsyncIterable<string>;
    // Read inside another request that records content.
    const out = await withTrace({ sessionId: 'other', captureContent: true }, async () => {
      let text = '';
      for await (const c of stream) text += c;
      await fn((x: string) => x.length, { name: 'other-call' }).invoke('visible');
      return text;
    });
    expect(out).toBe('SECRET-0SECRET-1SECRET-2SECRET-q');
    expect(allAttributeText()).not.toContain('SECRET');
    const spans = exporter.getFinishedSpans();
    const tokens = spans.filter((s) => s.name === 'token');
    expect(tokens).toHaveLength(3);
    const genSpan = spans.find((s) => s.name === 'gen')!;
    for (const t of tokens) {
      expect(t.attributes['session.id']).toBe('private');
      expect(parentId(t)).toBe(spanId(genSpan));
    }
    expect(spans.find((s) => s.name === 'other-call')!.attributes['lazytrace.input']).toBe('"visible"');
  });

  it('enabled: false holds for a stream read inside a traced request: no span for calls made by its pulls', async () => {
    const inner = fn(async (i: number) => i * 2, { name: 'inner-off' });
    const gen = fn(
      async function* off() {
        for (let i = 0; i < 3; i++) yield await inner.invoke(i);
      },
      { name: 'gen-off' },
    );
    const stream = (await withTrace({ enabled: false }, () =>
      gen.invoke(undefined),
    )) as AsyncIterable<number>;
    const got: number[] = [];
    await withTrace({ sessionId: 'on' }, async () => {
      await fn(
        async () => {
          for await (const v of stream) got.push(v);
        },
        { name: 'consumer' },
      ).invoke(undefined);
    });
    expect(got).toEqual([0, 2, 4]);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['consumer']);
  });

  it('sampled out by the SDK: ctx.recording is false, content is never read, results and errors are the app’s own', async () => {
    const sampledOut = new InMemorySpanExporter();
    configureTracing({
      tracerProvider: new BasicTracerProvider({
        sampler: new AlwaysOffSampler(),
        spanProcessors: [new SimpleSpanProcessor(sampledOut)],
      }),
    });
    let getterReads = 0;
    const input = {
      get heavy() {
        getterReads++;
        return 'x';
      },
    };
    const recording: boolean[] = [];
    const failure = new Error('own');
    const ok = fn(
      (value: typeof input, ctx: CallContext) => {
        recording.push(ctx.recording);
        return { same: value };
      },
      { name: 'ok' },
    );
    const bad = fn(
      (_: unknown, ctx: CallContext) => {
        recording.push(ctx.recording);
        throw failure;
      },
      { name: 'bad' },
    );
    const result = await ok.invoke(input);
    expect(result.same).toBe(input);
    await expect(bad.invoke(undefined)).rejects.toBe(failure);
    let text = '';
    for await (const w of (await fn((t: string) => words(t)).invoke('a b c')) as AsyncIterable<string>)
      text += w;
    expect(text).toBe('a b c ');
    expect(recording).toEqual([false, false]);
    expect(getterReads).toBe(0); // never read for a span that is not recorded
    expect(sampledOut.getFinishedSpans()).toEqual([]);
  });

  it('a remote parent that is not sampled (traceparent flags 00) under ParentBased: nothing recorded, ctx.recording false', async () => {
    const remoteNotSampled = new InMemorySpanExporter();
    configureTracing({
      tracerProvider: new BasicTracerProvider({
        sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
        spanProcessors: [new SimpleSpanProcessor(remoteNotSampled)],
      }),
    });
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const seen: boolean[] = [];
    const leaf = fn((x: number, ctx: CallContext) => {
      seen.push(ctx.recording);
      return x;
    });
    const app = pipeline([leaf, leaf], { name: 'remote-app' });
    expect(await context.with(parent, () => app.invoke(3))).toBe(3);
    expect(seen).toEqual([false, false]);
    expect(remoteNotSampled.getFinishedSpans()).toEqual([]);
  });

  it('the mask sees every input, output and error and what it returns is what is recorded; a failing mask hides the value', async () => {
    configureTracing({
      mask: (value, info) => {
        if (info.field === 'error') return String(value).replace(/\d{4}-\d{4}/g, '####');
        if (info.name === 'explode') throw new Error('mask broke');
        return JSON.parse(JSON.stringify(value ?? null).replace(/\d{4}-\d{4}/g, '####'));
      },
    });
    const card = fn((x: { card: string }) => ({ echo: x.card }), { name: 'card' });
    const explode = fn((x: string) => x, { name: 'explode' });
    const fail = fn(
      (x: string) => {
        throw new Error(`card ${x} refused`);
      },
      { name: 'fail' },
    );
    expect(await card.invoke({ card: '1234-5678' })).toEqual({ echo: '1234-5678' });
    expect(await explode.invoke('1111-2222')).toBe('1111-2222');
    await expect(fail.invoke('9999-0000')).rejects.toThrow('card 9999-0000 refused');
    const text = allAttributeText();
    expect(text).not.toMatch(/\d{4}-\d{4}/);
    const spans = exporter.getFinishedSpans();
    expect(spans.find((s) => s.name === 'card')!.attributes['lazytrace.output']).toBe('{"echo":"####"}');
    expect(spans.find((s) => s.name === 'explode')!.attributes['lazytrace.input']).toBe(
      JSON.stringify(MASK_FAILED),
    );
    expect(spans.find((s) => s.name === 'fail')!.status.message).toContain('####');
  });

  it('a module switched to no content: its streamed answer is not recorded by the flow that returns it', async () => {
    const llm = fn((q: string) => words(`ANSWER to ${q}`), { name: 'quiet-llm', kind: 'llm' });
    const app = pipeline([fn((q: string) => q.trim(), { name: 'prep' }), llm], { name: 'flow' });
    const stream = (await withTrace({ modules: { byName: { 'quiet-llm': { captureContent: false } } } }, () =>
      app.invoke(' why '),
    )) as AsyncIterable<string>;
    let text = '';
    for await (const c of stream) text += c;
    expect(text).toBe('ANSWER to why ');
    expect(allAttributeText()).not.toContain('ANSWER');
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['flow', 'prep', 'quiet-llm']);
  });
});

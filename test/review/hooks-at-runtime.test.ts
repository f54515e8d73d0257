import {
  type CallContext,
  fn,
  type Hook,
  type Invocation,
  Module,
  pipeline,
  registerHookProvider,
  withTrace,
} from '@lazytrace/core';
import { describe, expect, it } from 'vitest';
import { byName, parentId, spanId } from '../support/otel.js';
import { exporter, useTestTracing } from './support.js';

// Review of the "only lazytrace's hook" short path (core 9064380, d0c63c0, 2bfb3c2): a hook the
// application adds after the first calls (the short path is warm by then) must run, on plain
// calls and on every pull of a stream; removing it must stop it; spans keep their structure.

useTestTracing();

/** A user hook recording every phase and how often `next` is called. */
function recorder() {
  const events: string[] = [];
  let nextCalls = 0;
  class Recorder implements Hook {
    static priority = 50;
    constructor(private readonly call: Invocation) {}
    pre() {
      events.push(`pre:${this.call.name}`);
    }
    around<R>(next: () => R): R {
      nextCalls++;
      return next();
    }
    post() {
      events.push(`post:${this.call.name}`);
    }
    onError() {
      events.push(`onError:${this.call.name}`);
    }
    finalize() {
      events.push(`finalize:${this.call.name}`);
    }
  }
  return { Recorder, events, nextCalls: () => nextCalls };
}

async function* letters(word: string) {
  for (const letter of word) {
    await Promise.resolve();
    yield letter;
  }
}

describe('hooks added while the application runs', () => {
  it('a hook provider registered after 200 warm calls runs on the next call, plain and streamed; removal stops it', async () => {
    let runs = 0;
    const plain = fn(
      async (x: number) => {
        runs++;
        return x + 1;
      },
      { name: 'plain' },
    );
    const streamed = fn((word: string) => letters(word), { name: 'streamed' });
    // Warm the short path (one own hook, direct end, direct stream pulls).
    for (let i = 0; i < 200; i++) {
      await plain.invoke(i);
      let text = '';
      for await (const c of (await streamed.invoke('ab')) as AsyncIterable<string>) text += c;
      expect(text).toBe('ab');
    }
    runs = 0;
    exporter.reset();

    const { Recorder, events, nextCalls } = recorder();
    const remove = registerHookProvider(() => [Recorder]);
    try {
      expect(await plain.invoke(1)).toBe(2);
      let text = '';
      for await (const c of (await streamed.invoke('xyz')) as AsyncIterable<string>) text += c;
      expect(text).toBe('xyz');
    } finally {
      remove();
    }
    expect(runs).toBe(1);
    expect(events).toEqual([
      'pre:plain',
      'post:plain',
      'finalize:plain',
      'pre:streamed',
      'post:streamed',
      'finalize:streamed',
    ]);
    // One `around` for the plain call; for the stream one for the call and one per pull (3 chunks + end).
    expect(nextCalls()).toBe(1 + 1 + 4);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['plain', 'streamed']);

    // Removed: the short path again, the hook no longer runs.
    events.length = 0;
    await plain.invoke(1);
    for await (const _ of (await streamed.invoke('q')) as AsyncIterable<string>);
    expect(events).toEqual([]);
    expect(exporter.getFinishedSpans()).toHaveLength(4);
  });

  it('module.registerHook after warm calls runs for that module only, also for a stream created before the hook and consumed after', async () => {
    class Llm extends Module<string, AsyncIterable<string>> {
      override kind = 'llm';
      forward(prompt: string) {
        return letters(prompt);
      }
    }
    const llm = new Llm({ name: 'llm' });
    const other = fn((s: string) => s.toUpperCase(), { name: 'other' });
    const app = pipeline([other, llm], { name: 'app' });
    for (let i = 0; i < 100; i++) for await (const _ of (await app.invoke('w')) as AsyncIterable<string>);
    exporter.reset();

    // A stream made before the hook: its call's hooks were fixed at its start (not re-read per pull).
    const early = (await app.invoke('ab')) as AsyncIterable<string>;
    const { Recorder, events } = recorder();
    llm.registerHook(Recorder);
    let early_text = '';
    for await (const c of early) early_text += c;
    expect(early_text).toBe('AB');
    expect(events).toEqual([]);

    let text = '';
    for await (const c of (await app.invoke('cd')) as AsyncIterable<string>) text += c;
    expect(text).toBe('CD');
    expect(events).toEqual(['pre:llm', 'post:llm', 'finalize:llm']);

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['app', 'app', 'llm', 'llm', 'other', 'other']);
    for (const root of spans.filter((s) => s.name === 'app')) {
      const children = spans.filter((s) => parentId(s) === spanId(root));
      expect(children.map((s) => s.name).sort()).toEqual(['llm', 'other']);
    }
  });

  it('an around hook added mid-run that calls next() late or twice still runs each pull once and keeps every chunk', async () => {
    let pulls = 0;
    const source = fn(
      async function* counted() {
        for (let i = 0; i < 5; i++) {
          pulls++;
          yield i;
        }
      },
      { name: 'counted' },
    );
    for (let i = 0; i < 50; i++)
      for await (const _ of (await source.invoke(undefined)) as AsyncIterable<number>);
    pulls = 0;
    exporter.reset();

    const misbehaving = {
      name: 'twice',
      create: () => ({
        around<R>(next: () => R): R {
          next();
          return next();
        },
      }),
    };
    const remove = registerHookProvider(() => [misbehaving]);
    const seen: number[] = [];
    try {
      for await (const c of (await source.invoke(undefined)) as AsyncIterable<number>) seen.push(c);
    } finally {
      remove();
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(pulls).toBe(5);
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['lazytrace.stream.chunks']).toBe(5);
  });

  it('a strict user hook registered mid-run that fails in pre stops the call with HookPhaseError; the span ends', async () => {
    let runs = 0;
    const step = fn(
      () => {
        runs++;
        return 'ok';
      },
      { name: 'step' },
    );
    for (let i = 0; i < 50; i++) await step.invoke(undefined);
    runs = 0;
    exporter.reset();
    const strict = {
      name: 'gate',
      errorMode: 'strict' as const,
      create: () => ({
        pre() {
          throw new Error('denied');
        },
      }),
    };
    const remove = registerHookProvider(() => [strict]);
    try {
      await expect(step.invoke(undefined)).rejects.toMatchObject({ name: 'HookPhaseError' });
    } finally {
      remove();
    }
    expect(runs).toBe(0);
    expect(await step.invoke(undefined)).toBe('ok');
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['step', 'step']);
  });

  it('a user hook’s setTrace in pre reaches the hooked call’s span and its children, not the caller', async () => {
    const child = fn((x: string) => x, { name: 'child' });
    const parent = pipeline([child], { name: 'parent' });
    for (let i = 0; i < 50; i++) await parent.invoke('w');
    exporter.reset();
    const { setTrace } = await import('@lazytrace/core');
    const tagging = {
      name: 'tagging',
      create: (inv: Invocation) => ({
        pre() {
          if (inv.name === 'parent') setTrace({ sessionId: 'from-hook' });
        },
      }),
    };
    const remove = registerHookProvider(() => [tagging]);
    try {
      await withTrace({ sessionId: 'caller' }, async () => {
        await parent.invoke('x');
        await child.invoke('after');
      });
    } finally {
      remove();
    }
    const spans = exporter.getFinishedSpans();
    const sessions = Object.fromEntries(
      spans.map((s) => [
        `${s.name}:${parentId(s) === undefined ? 'root' : 'nested'}`,
        s.attributes['session.id'],
      ]),
    );
    expect(sessions).toEqual({
      'child:nested': 'from-hook',
      'parent:root': 'caller',
      'child:root': 'caller',
    });
    void byName;
  });

  it('ctx.recording and the span reach business code the same with and without a user hook', async () => {
    const values: boolean[] = [];
    const step = fn((_: unknown, ctx: CallContext) => {
      values.push(ctx.recording);
    });
    await step.invoke(undefined);
    const { Recorder } = recorder();
    const remove = registerHookProvider(() => [Recorder]);
    try {
      await step.invoke(undefined);
    } finally {
      remove();
    }
    expect(values).toEqual([true, true]);
  });
});

/**
 * Type tests for flows, checked by the root typecheck (`pnpm typecheck`, run in CI): each
 * `expectTypeOf` must hold and each `@ts-expect-error` must be an error, or `tsc` fails.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CallContext,
  diverter,
  fn,
  ifs,
  loop,
  Module,
  type Pipeline,
  parallel,
  pipeline,
  type Runnable,
  retry,
  switchCase,
  timeout,
  warp,
} from '../index.js';

interface Doc {
  readonly id: string;
  readonly text: string;
}
class Retriever extends Module<string, Doc[]> {
  async forward(query: string): Promise<Doc[]> {
    return [{ id: '1', text: query }];
  }
}
class Generator extends Module<Doc[], AsyncIterable<string>> {
  async *forward(docs: Doc[]): AsyncGenerator<string> {
    for (const d of docs) yield d.text;
  }
}
const count = fn((docs: Doc[]) => docs.length);

describe('pipeline', () => {
  it('array steps: input of the first, output of the last; a stream is an AsyncIterable', () => {
    const p = pipeline([new Retriever(), new Generator()]);
    expectTypeOf(p.invoke).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(p.invoke('q')).resolves.toEqualTypeOf<AsyncIterable<string>>();
    const q = pipeline([(s: string) => s.length, async (n: number) => n > 2, (b: boolean) => [b]]);
    expectTypeOf(q).toMatchTypeOf<Runnable<string, boolean[]>>();
    // @ts-expect-error a bound invoke passed as a step: its output is awaited, its input checked
    pipeline([(s: string) => s.length, async (n: number) => n > 2, count.invoke.bind(count)]);
    const g = pipeline([
      async function* (s: string) {
        yield s;
      },
    ]);
    expectTypeOf(g.invoke('x')).resolves.toMatchTypeOf<AsyncIterable<string>>();
  });

  it('a step that does not accept the previous output is a compile error', () => {
    // @ts-expect-error Generator takes Doc[], not a number
    pipeline([(s: string) => s.length, new Generator()]);
    // @ts-expect-error the second function takes a string, the first gives a number
    pipeline([(s: string) => s.length, (t: string) => t]);
    // @ts-expect-error count takes Doc[], the retriever's input is a string
    pipeline([count, new Retriever()]);
    pipeline([new Retriever(), count]);
  });

  it('ctx.input is the pipeline input: a step declaring another flow input is an error', () => {
    pipeline([(s: string) => s.length, (n: number, ctx: CallContext<string>) => ctx.input.repeat(n)]);
    // @ts-expect-error ctx.input is the pipeline's input, a string
    pipeline([(s: string) => s.length, (n: number, ctx: CallContext<number>) => ctx.input + n]);
  });

  it('unannotated function steps get the previous output and ctx.input typed', () => {
    const p = pipeline([
      new Retriever(),
      async (docs) => {
        expectTypeOf(docs).toEqualTypeOf<Doc[]>();
        return docs.length;
      },
      (n, ctx) => {
        expectTypeOf(n).toEqualTypeOf<number>();
        expectTypeOf(ctx.input).toEqualTypeOf<string>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        return ctx.input.repeat(n);
      },
    ]);
    expectTypeOf(p.invoke).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(p.invoke('q')).resolves.toEqualTypeOf<string>();
    const streamed = pipeline([
      (s: string) => s.split(' '),
      async function* (words) {
        for (const word of words) yield word.length;
      },
    ]);
    expectTypeOf(streamed.invoke('a b')).resolves.toMatchTypeOf<AsyncIterable<number>>();
    // @ts-expect-error the previous output is a number: it has no toUpperCase
    pipeline([(s: string) => s.length, (n) => n.toUpperCase()]);
  });

  it("the core README's example: a prompt step typed by position", () => {
    class Llm extends Module<string, AsyncIterable<string>> {
      async *forward(prompt: string): AsyncGenerator<string> {
        yield prompt;
      }
    }
    const answer = pipeline([
      new Retriever(),
      (docs, ctx) => `Answer "${ctx.input}" from ${docs.length} docs`,
      new Llm(),
    ]);
    expectTypeOf(answer).toEqualTypeOf<Pipeline<string, AsyncIterable<string>>>();
  });

  it('past ten steps the chain is still checked (function steps annotated)', () => {
    const id = (s: string) => s;
    const p = pipeline([id, id, id, id, id, id, id, id, id, id, (s: string) => s.length]);
    expectTypeOf(p.invoke('q')).resolves.toEqualTypeOf<number>();
    // @ts-expect-error the eleventh step takes a number, the tenth gives a string
    pipeline([id, id, id, id, id, id, id, id, id, id, (n: number) => n]);
  });

  it('record steps are typed explicitly (keys have no order in the type system)', () => {
    const p = pipeline<string, AsyncIterable<string>>({
      retrieve: new Retriever(),
      generate: new Generator(),
    });
    expectTypeOf(p.invoke('q')).resolves.toEqualTypeOf<AsyncIterable<string>>();
    // @ts-expect-error the input is a string
    p.invoke(1);
    pipeline<string, number>({
      size: (s: string, ctx) => {
        expectTypeOf(ctx.input).toEqualTypeOf<string>();
        return s.length;
      },
    });
    // @ts-expect-error ctx.input of a record step is the input given, a string
    pipeline<string, number>({ size: (n: number, ctx: CallContext<number>) => ctx.input + n });
  });
});

describe('parallel', () => {
  it('array and record branches: shared input, outputs in the branches shape', () => {
    const a = parallel([new Retriever(), (s: string) => s.length]);
    expectTypeOf(a.invoke).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(a.invoke('q')).resolves.toEqualTypeOf<[Doc[], number]>();
    const r = parallel({ docs: new Retriever(), size: (s: string) => s.length });
    expectTypeOf(r.invoke('q')).resolves.toEqualTypeOf<{ docs: Doc[]; size: number }>();
  });

  it('branches taking different inputs need an input that is both', () => {
    const p = parallel({ a: (x: { a: number }) => x.a, b: (x: { b: string }) => x.b });
    expectTypeOf(p.invoke).parameter(0).toEqualTypeOf<{ a: number } & { b: string }>();
    // @ts-expect-error b is missing
    p.invoke({ a: 1 });
    // @ts-expect-error a string branch and a number branch cannot share an input
    parallel([(s: string) => s, (n: number) => n]).invoke('x');
  });

  it("a branch's ctx.input is the parallel's input", () => {
    parallel([(s: string, ctx: CallContext<string>) => ctx.input + s]);
    parallel({ n: (s: string, ctx) => ctx.input.length + s.length });
    // @ts-expect-error ctx.input is the parallel's input, a string
    parallel([(s: string) => s, (s: string, ctx: CallContext<number>) => ctx.input + s.length]);
    // @ts-expect-error the same in a record
    parallel({ a: (s: string, ctx: CallContext<number>) => ctx.input + s.length });
  });
});

describe('diverter', () => {
  it('one input per branch, outputs in the branches shape', () => {
    const d = diverter([(n: number) => n * 2, (s: string) => s.length]);
    expectTypeOf(d.invoke).parameter(0).toEqualTypeOf<[number, string]>();
    expectTypeOf(d.invoke([1, 'a'])).resolves.toEqualTypeOf<[number, number]>();
    const r = diverter({ n: (n: number) => n, s: (s: string) => s });
    expectTypeOf(r.invoke({ n: 1, s: 'a' })).resolves.toEqualTypeOf<{ n: number; s: string }>();
    // @ts-expect-error n must be a number
    r.invoke({ n: 'x', s: 'a' });
  });

  it("a branch's ctx.input is the diverter's whole input", () => {
    diverter([
      (n: number, ctx: CallContext<readonly [number, string]>) => ctx.input[1].length + n,
      (s: string) => s,
    ]);
    // @ts-expect-error ctx.input is the tuple, not the branch's own element
    diverter([(n: number, ctx: CallContext<number>) => ctx.input + n, (s: string) => s]);
  });
});

describe('warp', () => {
  it('an array of the body input in, an array of its output out', () => {
    const w = warp(new Retriever());
    expectTypeOf(w.invoke(['a', 'b'])).resolves.toEqualTypeOf<Doc[][]>();
    // @ts-expect-error elements are strings
    w.invoke([1]);
    warp((s: string, ctx: CallContext<readonly string[]>) => ctx.input.indexOf(s));
    // @ts-expect-error the body's ctx.input is the whole array
    warp((s: string, ctx: CallContext<string>) => ctx.input + s);
  });
});

describe('ifs and switchCase', () => {
  it('ifs: input accepted by condition and branches, output of either branch', () => {
    const i = ifs(
      (s: string) => s.length > 3,
      new Retriever(),
      (s: string) => s.length,
    );
    expectTypeOf(i.invoke('q')).resolves.toEqualTypeOf<Doc[] | number>();
    const passThrough = ifs(
      (s: string) => s === '',
      (s: string) => s.length,
    );
    expectTypeOf(passThrough.invoke('q')).resolves.toEqualTypeOf<number | string>();
    const strings = ifs(
      (s: string) => s === '',
      (s: string) => s,
    );
    // @ts-expect-error the condition takes a string
    strings.invoke(3);
    ifs(
      (s: string) => s === '',
      (s: string, ctx: CallContext<string>) => ctx.input + s,
    );
    ifs(
      (s: string) => s === '',
      // @ts-expect-error ctx.input of a branch is the ifs input, a string
      (s: string, ctx: CallContext<number>) => ctx.input + s.length,
      (s: string) => s,
    );
  });

  it('switchCase: input accepted by selector, cases and fallback; output of any', () => {
    const s = switchCase(
      (x: { lang: string }) => x.lang,
      { en: () => 'hello', fr: () => 1 },
      () => true,
    );
    expectTypeOf(s.invoke({ lang: 'en' })).resolves.toEqualTypeOf<string | number | boolean>();
    // @ts-expect-error lang is missing
    s.invoke({});
    switchCase((x: { lang: string }) => x.lang, {
      en: (_: { lang: string }, ctx: CallContext<{ lang: string }>) => ctx.input.lang,
      // @ts-expect-error ctx.input of a case is the switchCase input
      fr: (_: { lang: string }, ctx: CallContext<number>) => ctx.input,
    });
  });
});

describe('loop', () => {
  it('the body output must feed its input; until sees the output type', () => {
    const l = loop((n: number) => n + 1, { until: (n) => n > 3 });
    expectTypeOf(l.invoke(0)).resolves.toEqualTypeOf<number>();
    loop([(n: number) => String(n), (s: string) => s.length], { count: 2 });
    // @ts-expect-error the body gives a string but takes a number
    loop((n: number) => String(n), { count: 2 });
    // @ts-expect-error the last step gives a string, the first takes a number
    loop([(n: number) => n, (n: number) => String(n)], { count: 2 });
    loop((n: number, ctx: CallContext<number>) => n + ctx.input, { count: 2 });
    loop<number, number>({ add: (n: number, ctx) => n + ctx.input }, { count: 2 });
    loop<number, number>(
      // @ts-expect-error a record step's ctx.input is the input given, a number
      { add: (n: number, ctx: CallContext<string>) => n + ctx.input.length },
      { count: 2 },
    );
    // @ts-expect-error ctx.input of the body is the loop's input, a number
    loop((n: number, ctx: CallContext<string>) => n + ctx.input.length, { count: 2 });
  });
});

describe('retry and timeout', () => {
  it('keep the child type', () => {
    expectTypeOf(retry(new Retriever(), { attempts: 3 }).invoke('q')).resolves.toEqualTypeOf<Doc[]>();
    expectTypeOf(timeout(new Generator(), 1000).invoke([])).resolves.toEqualTypeOf<AsyncIterable<string>>();
    // @ts-expect-error the retriever takes a string
    retry(new Retriever()).invoke(1);
  });

  it('ctx.signal is an AbortSignal', () => {
    fn((_: string, ctx) => expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>());
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, parentId, spanId } from '../../../../test/support/otel.js';
import {
  type CallContext,
  diverter,
  fn,
  ifs,
  LoopLimitError,
  loop,
  Module,
  parallel,
  pipeline,
  switchCase,
  traced,
  warp,
} from '../index.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
const names = () => exporter.getFinishedSpans().map((s) => s.name);
const tick = () => new Promise((r) => setTimeout(r, 1));

describe('pipeline', () => {
  it('feeds each output to the next step and gives every step the flow input as ctx.input', async () => {
    const seen: unknown[] = [];
    const flow = pipeline([
      (q: string) => q.toUpperCase(),
      async (q: string, ctx: CallContext<string>) => {
        seen.push(ctx.input);
        return `${q}!`;
      },
    ]);
    expect(await flow.invoke('hi')).toBe('HI!');
    expect(seen).toEqual(['hi']);
  });

  it('an empty pipeline passes its input through', async () => {
    expect(await pipeline([]).invoke(3)).toBe(3);
  });

  it('names: explicit option beats record key beats class or function name', async () => {
    class Search extends Module<string, string> {
      forward(q: string) {
        return q;
      }
    }
    function shout(x: string) {
      return x.toUpperCase();
    }
    await pipeline({ keyed: new Search(), named: new Search({ name: 'explicit' }), shoutKey: shout }).invoke(
      'a',
    );
    await pipeline([new Search(), shout]).invoke('a');
    expect(names()).toEqual(['keyed', 'explicit', 'shoutKey', 'Pipeline', 'Search', 'shout', 'Pipeline']);
  });

  it('rejects a child that is not runnable, naming where it is', () => {
    expect(() => pipeline({ ok: (x: number) => x, bad: 42 as never })).toThrow(
      /pipeline: steps\.bad must be a runnable/,
    );
    expect(() => pipeline('nope' as never)).toThrow(/"steps" must be an array or a record/);
  });

  it('nests flows arbitrarily', async () => {
    const flow = pipeline({
      outer: pipeline({ inner: parallel([pipeline([(x: number) => x + 1]), (x: number) => x * 10]) }),
    });
    expect(await flow.invoke(1)).toEqual([2, 10]);
    const spans = exporter.getFinishedSpans();
    const inner = spans.find((s) => s.name === 'inner')!;
    expect(spans.filter((s) => parentId(s) === spanId(inner))).toHaveLength(2);
  });
});

describe('parallel', () => {
  it('returns an array for array branches and a record for record branches', async () => {
    expect(await parallel([(x: number) => x + 1, async (x: number) => x * 2]).invoke(5)).toEqual([6, 10]);
    expect(await parallel({ a: (x: number) => x + 1, b: (x: number) => x * 2 }).invoke(5)).toEqual({
      a: 6,
      b: 10,
    });
  });

  it('runs branches concurrently, at most `concurrency` at once', async () => {
    let running = 0;
    let peak = 0;
    const branch = async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      return peak;
    };
    await parallel(
      Array.from({ length: 8 }, () => branch),
      { concurrency: 3 },
    ).invoke(null);
    expect(peak).toBe(3);
    peak = 0;
    await parallel(Array.from({ length: 8 }, () => branch)).invoke(null);
    expect(peak).toBe(8);
  });

  it('on failure: throws the first error itself, starts no new branch, waits for running ones', async () => {
    const failure = new Error('branch 1 failed');
    const finished: number[] = [];
    const started: number[] = [];
    const make = (i: number) => async () => {
      started.push(i);
      if (i === 1) throw failure;
      await tick();
      finished.push(i);
    };
    const flow = parallel(
      [0, 1, 2, 3, 4].map((i) => make(i)),
      { concurrency: 2, name: 'par' },
    );
    await expect(flow.invoke(null)).rejects.toBe(failure);
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
    // Every child span ended before the flow span did.
    expect(names().at(-1)).toBe('par');
  });

  it('rejects a bad concurrency', () => {
    expect(() => parallel([], { concurrency: 0 })).toThrow(/"concurrency" must be an integer >= 1/);
  });
});

describe('diverter and warp', () => {
  it('diverter gives branch i the input element i', async () => {
    expect(await diverter([(x: number) => x + 1, (s: string) => s.toUpperCase()]).invoke([1, 'a'])).toEqual([
      2,
      'A',
    ]);
    expect(
      await diverter({ n: (x: number) => -x, s: (s: string) => `${s}!` }).invoke({ n: 2, s: 'b' }),
    ).toEqual({
      n: -2,
      s: 'b!',
    });
    // @ts-expect-error one branch takes a one-element tuple
    await expect(diverter([(x: number) => x]).invoke([1, 2])).rejects.toThrow(/must have 1 elements/);
    // @ts-expect-error the input lacks the branch key
    await expect(diverter({ a: (x: number) => x }).invoke({ b: 1 })).rejects.toThrow(
      /missing the key\(s\) "a"/,
    );
  });

  it('warp runs the body once per element, keeps order, respects concurrency', async () => {
    let running = 0;
    let peak = 0;
    const body = fn(
      async (x: number) => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return x * x;
      },
      { name: 'square' },
    );
    expect(await warp(body, { concurrency: 2 }).invoke([1, 2, 3, 4])).toEqual([1, 4, 9, 16]);
    expect(peak).toBe(2);
    expect(names().filter((n) => n === 'square')).toHaveLength(4);
    await expect(warp(body).invoke('not an array' as never)).rejects.toThrow(
      /warp "Warp": input must be an array, got string/,
    );
  });
});

describe('ifs, switchCase and loop', () => {
  it('ifs without else passes the input through; a runnable condition is traced', async () => {
    const isLong = fn((s: string) => s.length > 3, { name: 'isLong' });
    const flow = ifs(isLong, (s: string) => s.slice(0, 3));
    expect(await flow.invoke('abcdef')).toBe('abc');
    expect(await flow.invoke('ab')).toBe('ab');
    expect(names().filter((n) => n === 'isLong')).toHaveLength(2);
  });

  it('switchCase without a matching case or default fails naming the value', async () => {
    const flow = switchCase((x: string) => x, { a: () => 1 }, undefined, { name: 'route' });
    await expect(flow.invoke('zzz')).rejects.toThrow(/switchCase "route": no case for "zzz" and no default/);
  });

  it('loop with count runs exactly count times; a body of several steps runs them in order', async () => {
    const flow = loop([(x: number) => x + 1, (x: number) => x * 2], { count: 3 });
    expect(await flow.invoke(0)).toBe(14);
    expect(await loop((x: number) => x + 1, { count: 0 }).invoke(5)).toBe(5);
  });

  it('loop stops at maxIterations when until never holds', async () => {
    const flow = loop((x: number) => x + 1, { until: () => false, maxIterations: 25, name: 'spin' });
    const error = await flow.invoke(0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoopLimitError);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'spin')!;
    expect(span.attributes['lazytrace.loop.iterations']).toBe(25);
  });

  it('loop validates its options', () => {
    expect(() => loop((x: number) => x, {})).toThrow(/give "count", "until", or both/);
    expect(() => loop((x: number) => x, { count: 5, maxIterations: 2 })).toThrow(/exceeds "maxIterations"/);
    expect(() => loop((x: number) => x, { count: -1 })).toThrow(/"count" must be an integer >= 0/);
  });
});

describe('@traced', () => {
  class Agent {
    constructor(readonly prefix: string) {}

    @traced({ kind: 'tool' })
    async search(query: string): Promise<string> {
      return `${this.prefix}:${query}`;
    }

    @traced({ name: 'combine' })
    async join(a: string, b: string): Promise<string> {
      return a + b;
    }

    @traced()
    async *tokens(text: string): AsyncGenerator<string> {
      for (const word of text.split(' ')) yield word;
    }
  }

  it('traces async methods with `this`, names them Class.method, records the arguments', async () => {
    const agent = new Agent('kb');
    expect(await agent.search('tides')).toBe('kb:tides');
    expect(await agent.join('a', 'b')).toBe('ab');
    const [search, join] = exporter.getFinishedSpans();
    expect(search?.name).toBe('Agent.search');
    expect(search?.attributes['lazytrace.kind']).toBe('tool');
    expect(search?.attributes['gen_ai.tool.name']).toBe('Agent.search');
    expect(search?.attributes['lazytrace.input']).toBe('"tides"');
    expect(join?.name).toBe('combine');
    expect(join?.attributes['lazytrace.input']).toBe('["a","b"]');
  });

  it('a decorated method called without its object still runs (and is traced)', async () => {
    class Plain {
      @traced({ name: 'loose' })
      async double(x: number): Promise<number> {
        return x * 2;
      }
    }
    const loose = new Plain().double;
    expect(await loose(4)).toBe(8);
    expect(names()).toEqual(['loose']);
  });

  it('an async generator method still returns an async iterable; its span ends with the iteration', async () => {
    const words: string[] = [];
    for await (const w of new Agent('x').tokens('one two three')) words.push(w);
    expect(words).toEqual(['one', 'two', 'three']);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('Agent.tokens');
    expect(span?.attributes['lazytrace.output']).toBe('"onetwothree"');
  });
});

import { configureTracing, DEFAULT_REDACT_KEYS, fn, MASK_FAILED, serializeValue } from '@lazytrace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { exporter, useTestTracing } from '../support.js';

// Review of content capture on the hot path (issue #10: "inline primitives and a guarded
// JSON.stringify fast path for small plain objects"): whatever shortcut a traced call takes for a
// number, a string or a small plain object, what its span records must stay what it was — the
// user's mask applied first, redacted keys redacted at any depth and in any case, JSON's odd
// values (NaN, -0, undefined, BigInt, Symbol, functions, Dates, toJSON, __proto__, cycles) shown
// as before, long strings cut. Each expected string was written by the serializer at f9338fb
// (before the speed work) for the same value and the default budget.

useTestTracing();
afterEach(() => configureTracing({ mask: null, maxStringChars: null, maxContentChars: null }));

/** What a traced call records as its input and output when it returns its input. */
async function recorded(value: unknown): Promise<{ input: unknown; output: unknown }> {
  exporter.reset();
  const out = await fn((x: unknown) => x, { name: 'capture' }).invoke(value);
  expect(Object.is(out, value)).toBe(true);
  const span = exporter.getFinishedSpans()[0]!;
  return { input: span.attributes['lazytrace.input'], output: span.attributes['lazytrace.output'] };
}

function values(): Record<string, unknown> {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const shared = { s: 1 };
  return {
    number: 42,
    negZero: -0,
    nan: Number.NaN,
    inf: Number.NEGATIVE_INFINITY,
    big: 10n,
    str: 'plain',
    strEsc: 'a"b\\c\nd\u0001',
    lone: 'x\ud800y',
    emoji: '😀',
    bool: true,
    nul: null,
    undef: undefined,
    sym: Symbol('s'),
    func: function named() {},
    arrow: () => 1,
    date: new Date(0),
    badDate: new Date(Number.NaN),
    regex: /a+/g,
    err: new TypeError('boom'),
    small: { query: 'tides', k: 3 },
    redacted: {
      user: 'u',
      apiKey: 'A',
      APIKEY: 'B',
      Api_Key: 'C',
      password: 'P',
      nested: { token: 'T', list: [{ secret: 'S', ok: 1 }] },
      authorization: 'Bearer z',
      'x-api-key': 'X',
    },
    weird: {
      u: undefined,
      f() {},
      s: Symbol('x'),
      n: Number.NaN,
      i: Number.POSITIVE_INFINITY,
      z: -0,
      b: 1n,
      d: new Date(0),
      arr: [undefined, () => 1, Symbol('y'), Number.NaN],
    },
    proto: JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
    nullProto: Object.assign(Object.create(null), { a: 1, b: 'two' }),
    withToJSON: { a: { toJSON: () => ({ replaced: true }) }, b: 2 },
    klass: new (class Point {
      x = 1;
      y = 2;
    })(),
    // biome-ignore lint/suspicious/noSparseArray: a hole is one of the cases
    sparse: [1, , 3],
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Hi "there"\n' },
    ],
    docs: Array.from({ length: 5 }, (_, i) => ({ id: `d${i}`, text: `text ${i}`, score: i / 10 })),
    deep: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: { l: { m: { n: 1 } } } } } } } } } } } } } },
    cyclic,
    shared: { x: shared, y: shared },
  };
}

/** Written by the f9338fb serializer (default budget, default redact list). */
const BEFORE: Record<string, string> = {
  number: '42',
  negZero: '0',
  nan: '"NaN"',
  inf: '"-Infinity"',
  big: '"10n"',
  str: '"plain"',
  strEsc: '"a\\"b\\\\c\\nd\\u0001"',
  lone: '"x\\ud800y"',
  emoji: '"😀"',
  bool: 'true',
  nul: 'null',
  undef: 'null',
  sym: '"Symbol(s)"',
  func: '"[Function named]"',
  arrow: '"[Function arrow]"',
  date: '"1970-01-01T00:00:00.000Z"',
  badDate: '"Invalid Date"',
  regex: '"/a+/g"',
  err: '{"name":"TypeError","message":"boom"}',
  small: '{"query":"tides","k":3}',
  redacted:
    '{"user":"u","apiKey":"[REDACTED]","APIKEY":"[REDACTED]","Api_Key":"[REDACTED]","password":"[REDACTED]","nested":{"token":"[REDACTED]","list":[{"secret":"[REDACTED]","ok":1}]},"authorization":"[REDACTED]","x-api-key":"[REDACTED]"}',
  weird:
    '{"f":"[Function f]","s":"Symbol(x)","n":"NaN","i":"Infinity","z":0,"b":"1n","d":"1970-01-01T00:00:00.000Z","arr":[null,"[Function anonymous]","Symbol(y)","NaN"]}',
  proto: '{"__proto__":{"polluted":true},"a":1}',
  nullProto: '{"a":1,"b":"two"}',
  withToJSON: '{"a":{"replaced":true},"b":2}',
  klass: '{"x":1,"y":2}',
  sparse: '[1,null,3]',
  messages: '[{"role":"system","content":"You are helpful."},{"role":"user","content":"Hi \\"there\\"\\n"}]',
  docs: '[{"id":"d0","text":"text 0","score":0},{"id":"d1","text":"text 1","score":0.1},{"id":"d2","text":"text 2","score":0.2},{"id":"d3","text":"text 3","score":0.3},{"id":"d4","text":"text 4","score":0.4}]',
  deep: '{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":"[Object]"}}}}}}}}}}}}',
  cyclic: '{"a":1,"self":"[Circular]"}',
  shared: '{"x":{"s":1},"y":{"s":1}}',
};

describe('what a span records for primitives and small plain values (as before the speed work)', () => {
  const cases = values();
  it.each(Object.keys(cases).filter((k) => k in BEFORE))('%s', async (key) => {
    const { input, output } = await recorded(cases[key]);
    expect(input).toBe(BEFORE[key]);
    expect(output).toBe(BEFORE[key]);
  });

  it('a long string input is cut at the string limit, in input and output', async () => {
    configureTracing({ maxStringChars: 256 });
    const cut = `"${'y'.repeat(256)}…[truncated 44 chars]"`;
    expect(await recorded('y'.repeat(300))).toEqual({ input: cut, output: cut });
    expect((await recorded({ a: 'y'.repeat(300), b: 'short' })).input).toBe(
      `{"a":"${'y'.repeat(256)}…[truncated 44 chars]","b":"short"}`,
    );
  });

  it('a 5,000-character string at the default budget keeps its head and says how much was cut', async () => {
    const { input } = await recorded('y'.repeat(5000));
    expect(input).toBe(`"${'y'.repeat(4023)}…[truncated 977 chars]"`);
  });
});

describe('the user’s mask comes first, also for numbers, strings and small objects', () => {
  it('a mask sees every primitive and small object, and what it returns is what is recorded', async () => {
    const seen: unknown[] = [];
    configureTracing({
      mask: (value, info) => {
        seen.push([info.field, value]);
        if (typeof value === 'number') return value * 0; // hides the number
        if (typeof value === 'string') return value.replace(/\d/g, '#');
        if (value !== null && typeof value === 'object') return { masked: true };
        return value;
      },
    });
    expect(await recorded(12345)).toEqual({ input: '0', output: '0' });
    expect(await recorded('card 4111')).toEqual({ input: '"card ####"', output: '"card ####"' });
    expect(await recorded({ query: 'q', k: 3 })).toEqual({
      input: '{"masked":true}',
      output: '{"masked":true}',
    });
    expect(seen).toEqual([
      ['input', 12345],
      ['output', 12345],
      ['input', 'card 4111'],
      ['output', 'card 4111'],
      ['input', { query: 'q', k: 3 }],
      ['output', { query: 'q', k: 3 }],
    ]);
  });

  it('a mask that throws: the placeholder, never the raw value, for a number and a string too', async () => {
    configureTracing({
      mask: () => {
        throw new Error('mask broke');
      },
    });
    for (const value of [4111111111111111, 'SECRET-STRING', { k: 'SECRET' }]) {
      const { input, output } = await recorded(value);
      expect(input).toBe(JSON.stringify(MASK_FAILED));
      expect(output).toBe(JSON.stringify(MASK_FAILED));
    }
  });
});

describe('objects a faster object walk could get wrong (as before the speed work)', () => {
  const run = (value: unknown) => recorded(value).then((r) => r.input);

  it('own enumerable string keys only, in JS order (integer keys first); getters read, a throwing one shown', async () => {
    expect(await run(Object.assign(Object.create({ inherited: 'x' }), { own: 1 }))).toBe('{"own":1}');
    expect(await run({ b: 1, 2: 'two', a: 3, 1: 'one', '-1': 'neg', '01': 'lead' })).toBe(
      '{"1":"one","2":"two","b":1,"a":3,"-1":"neg","01":"lead"}',
    );
    expect(await run({ [Symbol('k')]: 1, a: 2 })).toBe('{"a":2}');
    expect(await run(Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false }))).toBe(
      '{"a":1}',
    );
    expect(
      await run({
        get g() {
          return 'got';
        },
        a: 1,
      }),
    ).toBe('{"g":"got","a":1}');
    expect(
      await run({
        get g(): never {
          throw new Error('nope');
        },
        a: 1,
      }),
    ).toBe('{"g":"[Thrown: nope]","a":1}');
    expect(await run(new Proxy({ a: 1, b: 2 }, { ownKeys: () => ['b', 'a'] }))).toBe('{"b":2,"a":1}');
  });

  it('built-in objects keep their short forms', async () => {
    expect(await run(new Uint8Array([1, 2, 3]))).toBe('"[Uint8Array 3 bytes]"');
    expect(await run(Buffer.from('hi'))).toBe('"[Buffer 2 bytes]"');
    expect(await run([new String('s'), new Number(1), new Boolean(false)])).toBe('["s",1,false]');
    expect(await run(new URL('https://x.test/a?b=1'))).toBe('"https://x.test/a?b=1"');
    expect(await run([new WeakMap(), new WeakSet()])).toBe('["[WeakMap]","[WeakSet]"]');
  });

  it('a flat object of 200,000 keys: its first members up to the budget, a secret at its end never shown', async () => {
    const flat: Record<string, unknown> = {};
    for (let i = 0; i < 200_000; i++) flat[`key${i}`] = i;
    flat.password = 'SECRET';
    const members = Array.from({ length: 328 }, (_, i) => `"key${i}":${i}`).join(',');
    expect(await run(flat)).toBe(`{${members},"…":"…[truncated]"}`);
    const ints: Record<string, unknown> = {};
    for (let i = 200_000; i > 0; i--) ints[i] = i;
    ints.a = 1;
    const first = Array.from({ length: 426 }, (_, i) => `"${i + 1}":${i + 1}`).join(',');
    expect(await run(ints)).toBe(`{${first},"…":"…[truncated]"}`);
  });
});

describe('lists the direct path gives up on for one odd item (the walk may hand items back to it)', () => {
  const run = (value: unknown) => recorded(value).then((r) => r.input);

  it('cycles through a Map, a Set, an array after a Date, class instances beside shared plain objects', async () => {
    const list: unknown[] = [{ x: 1 }];
    list.push({ loop: list });
    expect(await run(new Map([['list', list]]))).toBe('{"list":[{"x":1},{"loop":"[Circular]"}]}');

    const arr: unknown[] = [new Date(0)];
    arr.push({ self: arr }, { y: [arr] });
    expect(await run(arr)).toBe('["1970-01-01T00:00:00.000Z",{"self":"[Circular]"},{"y":["[Circular]"]}]');

    const set = new Set<unknown>();
    const member = { s: set, a: [1] };
    set.add(member);
    set.add([member]);
    expect(await run({ s: set })).toBe('{"s":[{"s":"[Circular]","a":[1]},[{"s":"[Circular]","a":[1]}]]}');

    class K {
      k = 1;
    }
    const items: unknown[] = [];
    const shared = { carr: items, v: 'x' };
    for (let i = 0; i < 4; i++) items.push(i % 2 ? shared : new K());
    expect(await run(items)).toBe(
      '[{"k":1},{"carr":"[Circular]","v":"x"},{"k":1},{"carr":"[Circular]","v":"x"}]',
    );
  });

  it('secrets after the odd item are still redacted', async () => {
    const value = [
      new Date(0),
      { password: 'SECRET', nested: [{ token: 'T', apiKey: 'A' }] },
      new Map([['password', 'S']]),
    ];
    expect(await run(value)).toBe(
      '["1970-01-01T00:00:00.000Z",{"password":"[REDACTED]","nested":[{"token":"[REDACTED]","apiKey":"[REDACTED]"}]},{"password":"[REDACTED]"}]',
    );
  });
});

describe('key texts remembered between captures never carry a redaction verdict to another list', () => {
  it('the same object shapes captured under alternating redaction lists, alone, in lists and after an odd item', () => {
    const open = { maxChars: 4096, maxStringChars: 4096, redactKeys: [] as string[] };
    const strict = { maxChars: 4096, maxStringChars: 4096, redactKeys: DEFAULT_REDACT_KEYS };
    const shapes = () => {
      const row = { user: 'u', apiKey: 'K', password: 'P', token: 'T' };
      return [row, [row, row], [new Date(0), row, { deep: [row] }]];
    };
    for (let round = 0; round < 3; round++) {
      for (const value of shapes()) {
        const seen = serializeValue(value, open);
        expect(seen).toContain('"apiKey":"K"');
        expect(seen).toContain('"password":"P"');
        const hidden = serializeValue(value, strict);
        expect(hidden).not.toMatch(/"(K|P|T)"/);
        expect(hidden).toContain('"apiKey":"[REDACTED]"');
      }
    }
  });
});

describe('getters are read a bounded number of times', () => {
  it('an enumerable getter is read at most twice per capture, at any budget, wherever the direct path gives up', () => {
    let most = 0;
    for (let maxChars = 20; maxChars < 1500; maxChars += 7) {
      const reads: number[] = [];
      const item = (k: number) => {
        const at = reads.push(0) - 1;
        return {
          get g() {
            reads[at]!++;
            return 'value'.repeat(k % 4);
          },
          k,
        };
      };
      const values = [
        [new Date(0), item(1), item(2), { x: [item(3)] }],
        [item(1), item(2), new Map([['a', item(3)]]), item(4)],
        { a: [item(1), item(2)], b: new Date(0), c: 'x'.repeat(maxChars / 3), d: item(3) },
        Array.from({ length: 40 }, (_, i) => item(i)),
        [[item(1), [item(2), new Date(0)]], item(3)],
      ];
      for (const value of values)
        serializeValue(value, { maxChars, maxStringChars: maxChars, redactKeys: DEFAULT_REDACT_KEYS });
      most = Math.max(most, ...reads);
    }
    expect(most).toBeGreaterThanOrEqual(1);
    expect(most).toBeLessThanOrEqual(2);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { captureContent, configureTracing, DEFAULT_REDACT_KEYS, REDACTED, serializeValue } from '../index.js';

const SECRET = 'sk-live-DO-NOT-LEAK-1234567890';
const options = { maxChars: 2_000, maxStringChars: 500, redactKeys: DEFAULT_REDACT_KEYS };

function circular() {
  const a: Record<string, unknown> = { name: 'a' };
  a.self = a;
  a.list = [a, { back: a }];
  return a;
}
function deep(levels: number) {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) v = { next: v };
  return v;
}
function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}
const throwingProxy = new Proxy(
  {},
  {
    ownKeys() {
      throw new Error('ownKeys trap');
    },
    get() {
      throw new Error('get trap');
    },
  },
);
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  get norm() {
    return Math.hypot(this.x, this.y);
  }
}
const withThrowingGetter = Object.defineProperty({ ok: 1 }, 'bad', {
  enumerable: true,
  get() {
    throw new Error('getter exploded');
  },
});
const errorWithCause = new Error('outer', { cause: new TypeError('inner cause') });
const hugeString = 'x'.repeat(5_000_000);
const hugeArray = Array.from({ length: 1_000_000 }, (_, i) => i);
const manyKeys = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, i]));
// biome-ignore lint/suspicious/noSparseArray: a hostile value on purpose
const sparse = [1, , 3];
async function* gen() {
  yield 1;
}
function* syncGen() {
  yield 1;
}
const badToJSON = {
  toJSON() {
    throw new Error('toJSON failed');
  },
};

const HOSTILE: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['NaN and Infinity', [Number.NaN, Number.POSITIVE_INFINITY, -0]],
  ['BigInt', 12345678901234567890n],
  ['Symbol', Symbol('tag')],
  ['object with symbol keys', { [Symbol('hidden')]: 1, visible: 2 }],
  ['function', function namedFn() {}],
  ['arrow function', () => 1],
  ['class (constructor)', Point],
  ['circular object', circular()],
  [
    'Map',
    new Map<unknown, unknown>([
      ['a', 1],
      [{ k: 1 }, 'object key'],
      ['api_key', SECRET],
    ]),
  ],
  ['Set', new Set([1, 'two', { three: 3 }])],
  ['Date', new Date(0)],
  ['invalid Date', new Date(Number.NaN)],
  ['Error with cause', errorWithCause],
  ['Buffer', Buffer.alloc(1024)],
  ['Uint8Array', new Uint8Array(64)],
  ['ArrayBuffer', new ArrayBuffer(16)],
  ['DataView', new DataView(new ArrayBuffer(8))],
  ['class instance', new Point(3, 4)],
  ['getter that throws', withThrowingGetter],
  ['revoked Proxy', revokedProxy()],
  ['Proxy whose traps throw', throwingProxy],
  ['very deep nesting', deep(10_000)],
  ['5 MB string', hugeString],
  ['1,000,000-element array', hugeArray],
  ['200,000-key object', manyKeys],
  ['sparse array', sparse],
  ['Promise', Promise.resolve(1)],
  ['WeakMap', new WeakMap()],
  ['async generator', gen()],
  ['sync generator', syncGen()],
  ['RegExp', /ab+c/gi],
  ['toJSON that throws', badToJSON],
  ['lone surrogates and control chars', '\ud800 \u0000 \u001f "quoted" \\ \n'],
  ['boxed primitives', [new String('s'), new Number(1), new Boolean(false)]],
  ['null-prototype object', Object.assign(Object.create(null), { a: 1 })],
  ['URL', new URL('https://example.com/path?q=1')],
  [
    'secrets at every depth',
    { authorization: `Bearer ${SECRET}`, nested: { apiKey: SECRET, list: [{ password: SECRET }] } },
  ],
  [
    'secret-looking keys in several spellings',
    { 'X-Api-Key': SECRET, OPENAI_API_KEY: SECRET, clientSecret: SECRET, Cookie: SECRET },
  ],
];

describe('serializeValue on hostile values', () => {
  for (const [label, value] of HOSTILE) {
    it(`${label}: valid JSON within budget, no leaked secret`, () => {
      let text = '';
      expect(() => {
        text = serializeValue(value, options);
      }).not.toThrow();
      expect(typeof text).toBe('string');
      expect(text.length).toBeLessThanOrEqual(options.maxChars);
      expect(() => JSON.parse(text)).not.toThrow();
      expect(text).not.toContain(SECRET);
    });
  }

  it('shows the useful part of each', () => {
    const show = (v: unknown) => JSON.parse(serializeValue(v, options));
    expect(show(circular())).toEqual({
      name: 'a',
      self: '[Circular]',
      list: ['[Circular]', { back: '[Circular]' }],
    });
    expect(show(12n)).toBe('12n');
    expect(show(new Map([['a', 1]]))).toEqual({ a: 1 });
    expect(show(new Set([1, 2]))).toEqual([1, 2]);
    expect(show(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(show(errorWithCause)).toEqual({
      name: 'Error',
      message: 'outer',
      cause: { name: 'TypeError', message: 'inner cause' },
    });
    expect(show(Buffer.alloc(1024))).toBe('[Buffer 1024 bytes]');
    expect(show(new Point(3, 4))).toEqual({ x: 3, y: 4 });
    expect(show(withThrowingGetter)).toEqual({ ok: 1, bad: '[Thrown: getter exploded]' });
    expect(show(revokedProxy())).toMatch(/^\[Unserializable: /);
    expect(show({ f: function describeMe() {} })).toEqual({ f: '[Function describeMe]' });
    expect(show({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(show([Number.NaN, 1])).toEqual(['NaN', 1]);
    expect(show({ totalTokens: 5, max_tokens: 10 })).toEqual({ totalTokens: 5, max_tokens: 10 });
  });

  it('redacts configured keys case- and separator-insensitively, at any depth, in Maps too', () => {
    const text = serializeValue(
      {
        Authorization: 'x',
        nested: [{ API_KEY: 'y' }],
        m: new Map([['refresh-token', 'z']]),
        keep: 'visible',
      },
      options,
    );
    expect(JSON.parse(text)).toEqual({
      Authorization: REDACTED,
      nested: [{ API_KEY: REDACTED }],
      m: { 'refresh-token': REDACTED },
      keep: 'visible',
    });
  });

  it('a RegExp with the g or y flag redacts every key it matches, not every other one', () => {
    // A global or sticky RegExp remembers where its last match ended (lastIndex): tested as is, the key
    // after a match would be searched from there and slip through.
    const patterns = [/token/gi, /secret/g, /^x-/y];
    const redacting = { ...options, redactKeys: patterns };
    const value = { token: 'a', apiToken: 'b', secret: 'c', mysecret: 'd', list: [{ my_token: 'e' }] };
    expect(JSON.parse(serializeValue(value, redacting))).toEqual({
      token: REDACTED,
      apiToken: REDACTED,
      secret: REDACTED,
      mysecret: REDACTED,
      list: [{ my_token: REDACTED }],
    });
    const map = new Map([
      ['sessionToken', 'f'],
      ['accessToken', 'g'],
      ['x-one', 'h'],
      ['x-two', 'i'],
    ]);
    expect(JSON.parse(serializeValue(map, redacting))).toEqual({
      sessionToken: REDACTED,
      accessToken: REDACTED,
      'x-one': REDACTED,
      'x-two': REDACTED,
    });
    expect(
      patterns.map((p) => p.lastIndex),
      'the configured RegExps are left as they were',
    ).toEqual([0, 0, 0]);
  });

  it('marks truncation explicitly and keeps a prefix', () => {
    const long = serializeValue('a'.repeat(10_000), options);
    expect(JSON.parse(long)).toMatch(/^a{500}…\[truncated 9500 chars\]$/);
    const array = JSON.parse(serializeValue(hugeArray, options)) as unknown[];
    expect(array[0]).toBe(0);
    expect(String(array.at(-1))).toMatch(/^…\[\d+ more items\]$/);
    const keys = JSON.parse(serializeValue(manyKeys, options)) as Record<string, unknown>;
    expect(keys.k0).toBe(0);
    expect(keys['…']).toBe('…[truncated]');
  });

  it('walks only what it keeps: reading a million-element array stops early', () => {
    let reads = 0;
    const counted = new Proxy(hugeArray, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    serializeValue(counted, options);
    expect(reads).toBeLessThan(1_000);
  });
});

describe('captureContent with a mask', () => {
  afterEach(() => configureTracing({ mask: null, redactKeys: null }));

  it('applies the user mask to the value before serializing', () => {
    configureTracing({ mask: (v) => (typeof v === 'string' ? v.replace(/\d{4}-\d{4}/g, '****') : v) });
    expect(captureContent('card 1234-5678', 'm', 'input')).toBe('"card ****"');
  });

  it('a failing mask captures a fixed placeholder, never the raw value', () => {
    configureTracing({
      mask: () => {
        throw new Error('mask bug');
      },
    });
    const text = captureContent({ ssn: '123-45-6789' }, 'm', 'input');
    expect(text).toBe('"[mask failed]"');
  });

  it('a custom redaction list replaces the default one', () => {
    configureTracing({ redactKeys: ['ssn', /^x-/i] });
    expect(JSON.parse(captureContent({ ssn: '1', 'X-Custom': '2', password: '3' }, 'm', 'input'))).toEqual({
      ssn: REDACTED,
      'X-Custom': REDACTED,
      password: '3',
    });
  });

  it('rejects bad settings with a TypeError naming the field', () => {
    expect(() => configureTracing({ maxContentChars: 10 })).toThrow(
      /"maxContentChars" must be an integer >= 256/,
    );
    expect(() => configureTracing({ mask: 'no' as never })).toThrow(/"mask" must be a function/);
    expect(() => configureTracing({ bogus: 1 } as never)).toThrow(/unknown setting "bogus"/);
  });
});

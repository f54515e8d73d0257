import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom as random } from '../../../../test/support/seeded-random.js';
import { captureContent, configureTracing, DEFAULT_REDACT_KEYS, getTracingSettings } from '../index.js';
import { fastSerialize, type SerializeOptions, serializeValue, walkValue } from './serialize.js';

/**
 * The direct path of the serializer (plain data that fits the budget, written without the walk)
 * must write exactly what the full walk writes. Checked on many generated values, with budgets
 * small enough that a good share of them sit right at the edges (cut strings, cut members,
 * maxDepth, redacted keys).
 */

const KEYS = [
  'query',
  'k',
  'id',
  'text',
  'role',
  'content',
  'apiKey',
  'password',
  'x-api-key',
  'tokens',
  '',
  'ключ',
  'a"b',
  'line\nbreak',
];
const PIECES = [
  'tides',
  'é',
  '😀',
  '"',
  '\\',
  '\n',
  '\u0000',
  '\ud800',
  'The Moon raises tides. ',
  '<script>',
  ' ',
];

function generator(seed: number) {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const int = (n: number) => Math.floor(r() * n);

  function string(): string {
    const long = r() < 0.1;
    const n = long ? int(3000) : int(12);
    let s = '';
    for (let i = 0; i < n; i++) s += r() < 0.7 ? pick(PIECES) : String.fromCharCode(32 + int(90));
    return s;
  }
  function key(): string {
    if (r() < 0.05) return 'k'.repeat(200 + int(120));
    return r() < 0.7 ? pick(KEYS) : `${pick(KEYS)}${int(50)}`;
  }
  // A bound on the nodes of one value: nesting multiplies, and a value must stay small to build.
  let nodes = 0;
  function value(depth: number, shared: object[]): unknown {
    const roll = r();
    if (depth > 14 || roll < 0.35 || ++nodes > 300) return primitive();
    if (roll < 0.38 && shared.length > 0) return pick(shared); // shared references and cycles
    if (roll < 0.42) return special();
    const isArray = roll < 0.65;
    const size = r() < 0.05 ? 50 + int(400) : int(6);
    if (isArray) {
      const array: unknown[] = [];
      shared.push(array);
      for (let i = 0; i < size; i++) array.push(value(depth + 1, shared));
      if (r() < 0.05) array.length += 2; // holes
      return array;
    }
    const object: Record<string, unknown> = r() < 0.1 ? Object.create(null) : {};
    shared.push(object);
    for (let i = 0; i < size; i++) object[key()] = value(depth + 1, shared);
    return object;
  }
  function primitive(): unknown {
    return pick<() => unknown>([
      string,
      () => int(1000),
      () => (r() - 0.5) * 1e6,
      () => pick([Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 5e-324]),
      () => r() < 0.5,
      () => null,
      () => undefined,
    ])();
  }
  function special(): unknown {
    return pick<() => unknown>([
      () => new Date(1_700_000_000_000 + int(1e9)),
      () => new Map([[string(), int(9)]]),
      () => new Set([string()]),
      () => {
        const replaced = string();
        return { toJSON: () => ({ replaced }) };
      },
      () =>
        new (class Point {
          x = int(9);
        })(),
      () => 12n,
      () => Symbol('s'),
      () => function named() {},
      () => new Error(string()),
      () => new Uint8Array(int(20)),
      () => Object.defineProperty({}, 'hidden', { value: 1, enumerable: false }),
    ])();
  }
  return () => {
    nodes = 0;
    return value(0, []);
  };
}

const OPTION_SETS: SerializeOptions[] = [
  { maxChars: 4096, maxStringChars: 4096, redactKeys: DEFAULT_REDACT_KEYS },
  { maxChars: 300, maxStringChars: 40, redactKeys: DEFAULT_REDACT_KEYS },
  { maxChars: 120, maxStringChars: 8, redactKeys: ['k', /^id/] },
  { maxChars: 1000, maxStringChars: 200, redactKeys: [], maxDepth: 3 },
  { maxChars: 70, maxStringChars: 5, redactKeys: DEFAULT_REDACT_KEYS, maxDepth: 1 },
];

function nest(levels: number, inner: unknown): unknown {
  return levels === 0 ? inner : [nest(levels - 1, inner)];
}

describe('the direct path writes what the full walk writes', () => {
  afterEach(() => configureTracing({ mask: undefined }));

  it('on 7,500 generated values (1,500 under five budgets), and takes the direct path for many of them', () => {
    let direct = 0;
    let total = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const next = generator(seed);
      const value = next();
      for (const options of OPTION_SETS) {
        total++;
        const walked = walkValue(value, options);
        const fast = fastSerialize(value, options);
        if (fast !== undefined) {
          direct++;
          if (fast !== walked) expect({ seed, options, fast }).toEqual({ seed, options, fast: walked });
        }
        // And what callers get is the walk's text whichever path ran.
        const served = serializeValue(value, options);
        if (served !== walked) expect({ seed, options, served }).toEqual({ seed, options, served: walked });
        expect(() => JSON.parse(served)).not.toThrow();
      }
    }
    // The comparison is only worth something if the direct path answered often.
    expect(direct / total).toBeGreaterThan(0.3);
    expect(direct).toBeLessThan(total);
  });

  it('realistic captures (documents, chat messages, { query, k }) take the direct path', () => {
    const options = { maxChars: 4096, maxStringChars: 4096, redactKeys: DEFAULT_REDACT_KEYS };
    const values = [
      { query: 'tides', k: 5 },
      [
        { role: 'system', content: 'You answer from the documents.' },
        { role: 'user', content: 'Why are there tides?\n"quoted"' },
      ],
      { query: 'tides', documents: [{ id: 'doc-1', text: 'The Moon raises tides.', score: 0.91 }] },
      42,
      'a plain string',
    ];
    for (const value of values) {
      expect(fastSerialize(value, options)).toBe(walkValue(value, options));
      expect(fastSerialize(value, options)).toBe(JSON.stringify(value));
    }
  });

  it('redacted keys are redacted on the direct path, without reading their values', () => {
    const options = { maxChars: 4096, maxStringChars: 4096, redactKeys: DEFAULT_REDACT_KEYS };
    let reads = 0;
    const value = {
      query: 'q',
      get apiKey() {
        reads++;
        return 'sk-live-secret';
      },
    };
    const text = fastSerialize(value, options);
    expect(text).toBe('{"query":"q","apiKey":"[REDACTED]"}');
    expect(reads).toBe(0);
  });

  it('the mask runs first whichever path serializes', () => {
    configureTracing({
      mask: (v) => (typeof v === 'object' && v !== null ? { ...v, query: '[masked]' } : v),
    });
    const input = { query: 'private', k: 3, password: 'hunter2' };
    const captured = captureContent(input, 'retrieve', 'input');
    expect(captured).toBe('{"query":"[masked]","k":3,"password":"[REDACTED]"}');
    const settings = getTracingSettings();
    expect(captured).toBe(
      walkValue(
        { ...input, query: '[masked]' },
        {
          maxChars: settings.maxContentChars,
          maxStringChars: settings.maxStringChars,
          redactKeys: settings.redactKeys,
        },
      ),
    );
  });

  it('an object with more keys than the budget shows is cut like the walk cuts it (keys handed over)', () => {
    const options = { maxChars: 4096, maxStringChars: 4096, redactKeys: DEFAULT_REDACT_KEYS };
    const big = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`key${i}`, i]));
    for (const value of [big, { query: 'q', nested: big }, [1, big]]) {
      expect(fastSerialize(value, options)).toBeUndefined();
      expect(serializeValue(value, options)).toBe(walkValue(value, options));
    }
  });

  it('a list just over the budget: the walk goes on from the items the direct path wrote, with the same text, at every budget', () => {
    let reads = 0;
    const item = (i: number) => ({
      type: 'text',
      get text() {
        reads++;
        return i % 7 === 3 ? 'a "quoted"\nline' : 'tok ';
      },
      index: i,
    });
    const chunks = Array.from({ length: 40 }, (_, i) => item(i));
    const values: unknown[] = [
      [...chunks, '…[960 more chunks not recorded]'],
      { model: 'm', messages: chunks, tail: [1, 2] },
      [[chunks.slice(0, 20), chunks.slice(20)], { deep: [chunks] }],
      [chunks, new Date(0), chunks],
      ['x'.repeat(300), ...chunks.map((c) => [c, 'é'.repeat(50)])],
      // Eleven levels deep: more closing brackets than the direct path's slack covers.
      nest(
        10,
        Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? `"${i}"` : `item ${i}`)),
      ),
    ];
    let handedOver = 0;
    for (const value of values) {
      for (let maxChars = 20; maxChars <= 3000; maxChars++) {
        for (const maxStringChars of [maxChars, 12]) {
          const options = { maxChars, maxStringChars, redactKeys: DEFAULT_REDACT_KEYS };
          const walked = walkValue(value, options);
          reads = 0;
          const served = serializeValue(value, options);
          const servedReads = reads;
          if (served !== walked)
            expect({ maxChars, maxStringChars, served }).toEqual({
              maxChars,
              maxStringChars,
              served: walked,
            });
          // Read once per item shown when the items were handed over; twice when the walk started over.
          const shown = (served.match(/"index":/g) ?? []).length;
          if (fastSerialize(value, options) === undefined && shown > 1 && servedReads < 2 * shown)
            handedOver++;
        }
      }
    }
    // The comparison is worth something only if the hand-over happened often.
    expect(handedOver).toBeGreaterThan(20_000);
  });

  it('the walk writes the objects of a list with the direct path (one odd value elsewhere), the same text at every budget', () => {
    // Items are Proxies that tell which path wrote them: the direct path reads a member's value
    // before it checks the next key is its own; the walk checks all keys first, then reads.
    let direct = 0;
    const item = (i: number) => {
      let readRole = false;
      return new Proxy(
        {
          role: i % 2 === 0 ? 'user' : 'assistant',
          content: i % 5 === 2 ? `line ${i}\n"quoted" é` : `message ${i}`,
          extra: i % 4 === 0 ? undefined : [i, { apiKey: 'sk-secret', n: i }],
        },
        {
          ownKeys(target) {
            readRole = false;
            return Reflect.ownKeys(target);
          },
          get(target, key, receiver) {
            if (key === 'role') readRole = true;
            return Reflect.get(target, key, receiver);
          },
          getOwnPropertyDescriptor(target, key) {
            if (key === 'content' && readRole) direct++;
            return Reflect.getOwnPropertyDescriptor(target, key);
          },
        },
      );
    };
    const messages = Array.from({ length: 40 }, (_, i) => item(i));
    const values: unknown[] = [
      { created: new Date(0), messages },
      [new Map([['k', 1]]), messages, messages.slice(3)],
      { created: new Date(0), deep: nest(9, messages.slice(0, 12)) },
      {
        odd: new Set(['s']),
        lists: [
          messages.slice(0, 5),
          [Object.fromEntries(Array.from({ length: 900 }, (_, k) => [`k${k}`, k]))],
        ],
      },
    ];
    let walkedDirect = 0;
    let servedDirect = 0;
    for (const value of values) {
      for (let maxChars = 20; maxChars <= 3000; maxChars += value === values[0] ? 1 : 7) {
        for (const maxStringChars of [maxChars, 10]) {
          for (const maxDepth of [12, 4]) {
            const options = { maxChars, maxStringChars, redactKeys: DEFAULT_REDACT_KEYS, maxDepth };
            direct = 0;
            const walked = walkValue(value, options);
            walkedDirect += direct;
            direct = 0;
            const served = serializeValue(value, options);
            servedDirect += direct;
            if (served !== walked) {
              expect({ maxChars, maxStringChars, maxDepth, served }).toEqual({
                maxChars,
                maxStringChars,
                maxDepth,
                served: walked,
              });
            }
          }
        }
      }
    }
    // The walk alone never takes the direct path; served captures did, on their lists' items (the
    // odd value comes first in each value: the direct path gives up before it reaches a list).
    expect(walkedDirect).toBe(0);
    expect(servedDirect).toBeGreaterThan(100_000);
  });

  it('a capture started from a getter during a capture is served correctly', () => {
    const options = { maxChars: 4096, maxStringChars: 4096, redactKeys: DEFAULT_REDACT_KEYS };
    const inner = { a: [1, 2, 3] };
    const outer = {
      get nested() {
        return serializeValue(inner, options);
      },
      tail: new Map([['k', 1]]),
    };
    expect(serializeValue(outer, options)).toBe('{"nested":"{\\"a\\":[1,2,3]}","tail":{"k":1}}');
  });
});

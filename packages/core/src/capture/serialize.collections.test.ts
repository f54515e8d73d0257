import { describe, expect, it } from 'vitest';
import { seededRandom as random } from '../../../../test/support/seeded-random.js';
import { DEFAULT_REDACT_KEYS } from '../settings.js';
import {
  MAX_COLLECTION_ENTRIES,
  REDACTED,
  type SerializeOptions,
  serializeValue,
  walkValue,
} from './serialize.js';

/**
 * Maps and Sets show at most MAX_COLLECTION_ENTRIES entries (as util.inspect does), then a marker
 * with the exact count of the rest; the character budget applies on top. Under the cap, a Map is
 * written exactly as the plain object of its entries and a Set as the array of its items (their
 * members are written by a loop of their own, checked here against the general one).
 */

const budget: SerializeOptions = { maxChars: 4_096, maxStringChars: 4_096, redactKeys: DEFAULT_REDACT_KEYS };
const show = (value: unknown, options = budget) => JSON.parse(serializeValue(value, options)) as unknown;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const entries = (n: number) => range(n).map((i): [string, number] => [`k${i}`, i]);

describe('Maps and Sets are capped at MAX_COLLECTION_ENTRIES entries', () => {
  it('is util.inspect’s default of 100', () => {
    expect(MAX_COLLECTION_ENTRIES).toBe(100);
  });

  it('a Map shows its first 100 entries, then "…": "…[N more entries]" with the exact count', () => {
    const text = serializeValue(new Map(entries(1_000)), budget);
    expect(text.endsWith(',"k98":98,"k99":99,"…":"…[900 more entries]"}')).toBe(true);
    const shown = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(shown)).toEqual([...range(100).map((i) => `k${i}`), '…']);
    expect(serializeValue(new Map(entries(101)), budget)).toMatch(/,"k99":99,"…":"…\[1 more entries\]"}$/);
  });

  it('a Set shows its first 100 items, then "…[N more items]" with the exact count', () => {
    expect(show(new Set(range(1_000)))).toEqual([...range(100), '…[900 more items]']);
    expect(show(new Set(range(1_000).map((i) => `item-${i}`)))).toEqual([
      ...range(100).map((i) => `item-${i}`),
      '…[900 more items]',
    ]);
  });

  it('exactly 100 entries are shown whole, without a marker', () => {
    expect(show(new Map(entries(100)))).toEqual(Object.fromEntries(entries(100)));
    expect(show(new Set(range(100)))).toEqual(range(100));
  });

  it('arrays are not capped (JSON data, cut by the budget only)', () => {
    const shown = show(range(5_000)) as unknown[];
    expect(shown.length).toBeGreaterThan(500);
    expect(shown.slice(0, 500)).toEqual(range(500));
    expect(String(shown.at(-1))).toMatch(/^…\[\d+ more items\]$/);
  });

  it('the capture goes on after a capped Map or Set (its marker is not the budget’s)', () => {
    expect(show({ m: new Map(entries(150)), s: new Set(range(150)), after: 'x' })).toEqual({
      m: { ...Object.fromEntries(entries(100)), '…': '…[50 more entries]' },
      s: [...range(100), '…[50 more items]'],
      after: 'x',
    });
  });

  it('reads no entry past the cap: a million-entry Map or Set reads at most cap + 1 per iterator', () => {
    const mapIterator = Object.getPrototypeOf(new Map().keys()) as { next: () => unknown };
    const setIterator = Object.getPrototypeOf(new Set().values()) as { next: () => unknown };
    const mapNext = mapIterator.next;
    const setNext = setIterator.next;
    // Reads per iterator object: a Map may be read through more than one iterator.
    const reads = new Map<object, number>();
    const count = (iterator: object) => reads.set(iterator, (reads.get(iterator) ?? 0) + 1);
    mapIterator.next = function (this: object) {
      count(this);
      return mapNext.call(this);
    };
    setIterator.next = function (this: object) {
      count(this);
      return setNext.call(this);
    };
    try {
      for (const big of [
        new Map(range(1_000_000).map((i) => [i, { i }])),
        new Set(range(1_000_000).map((i) => ({ i }))),
      ]) {
        reads.clear();
        serializeValue(big, budget);
        expect(reads.size).toBeGreaterThan(0);
        expect(reads.size).toBeLessThanOrEqual(2);
        // forEach, not an iterator: iterating `reads` would count itself.
        reads.forEach((n) => {
          expect(n).toBeGreaterThanOrEqual(MAX_COLLECTION_ENTRIES);
          expect(n).toBeLessThanOrEqual(MAX_COLLECTION_ENTRIES + 1);
        });
      }
    } finally {
      mapIterator.next = mapNext;
      setIterator.next = setNext;
    }
  });

  it('redacts a capped Map’s keys, and never shows an entry past the cap', () => {
    const map = new Map<string, unknown>(entries(300));
    map.set('k3', 'three');
    map.delete('k5');
    map.set('api_key', 'sk-secret'); // the 300th entry: past the cap
    const early = new Map<string, unknown>([['Authorization', 'Bearer x'], ...entries(150)]);
    const text = serializeValue({ map, early }, budget);
    expect(text).not.toContain('sk-secret');
    expect(text).not.toContain('api_key');
    expect(text).not.toContain('Bearer');
    const shown = JSON.parse(text) as { map: Record<string, unknown>; early: Record<string, unknown> };
    expect(shown.map.k3).toBe('three');
    expect(shown.map.k100).toBe(100); // k5 was deleted: the 100th shown entry is k100
    expect(shown.map['…']).toBe('…[200 more entries]');
    expect(shown.early.Authorization).toBe(REDACTED);
    expect(shown.early['…']).toBe('…[51 more entries]');
  });

  it('caps nested Maps and Sets each with their own marker', () => {
    const nested = new Map<string, unknown>([
      ['set', new Set(range(120))],
      ['map', new Map(entries(130))],
      ['list', [new Set(range(101))]],
    ]);
    expect(show(new Set([nested]))).toEqual([
      {
        set: [...range(100), '…[20 more items]'],
        map: { ...Object.fromEntries(entries(100)), '…': '…[30 more entries]' },
        list: [[...range(100), '…[1 more items]']],
      },
    ]);
  });

  it('shows non-string keys as text, capped the same way', () => {
    const numbers = new Map(range(250).map((i) => [i, i * 2]));
    const shown = show(numbers) as Record<string, unknown>;
    expect(shown['99']).toBe(198);
    expect(shown['100']).toBeUndefined();
    expect(shown['…']).toBe('…[150 more entries]');
    const mixed = new Map<unknown, unknown>([
      [Symbol('s'), 1],
      [true, 2],
      [null, 3],
      [{ a: 1 }, 4],
      ...range(200).map((i): [number, number] => [1_000 + i, i]),
    ]);
    expect(show(mixed)).toMatchObject({
      'Symbol(s)': 1,
      true: 2,
      null: 3,
      '[object Object]': 4,
      '1095': 95,
      '…': '…[104 more entries]',
    });
  });

  it('reads a subclass through the intrinsics (its own iterators, forEach and size are not called)', () => {
    class SneakyMap extends Map<string, number> {
      override get size(): number {
        throw new Error('size');
      }
      override entries(): never {
        throw new Error('entries');
      }
      override keys(): never {
        throw new Error('keys');
      }
      override values(): never {
        throw new Error('values');
      }
      override [Symbol.iterator](): never {
        throw new Error('iterator');
      }
      override forEach(): never {
        throw new Error('forEach');
      }
    }
    class SneakySet extends Set<number> {
      override get size(): number {
        return 3;
      }
      override values(): never {
        throw new Error('values');
      }
      override [Symbol.iterator](): never {
        throw new Error('iterator');
      }
    }
    const map = new SneakyMap();
    for (const [k, v] of entries(150)) Map.prototype.set.call(map, k, v);
    const set = new SneakySet();
    for (const i of range(150)) Set.prototype.add.call(set, i);
    expect(show(map)).toEqual({ ...Object.fromEntries(entries(100)), '…': '…[50 more entries]' });
    expect(show(set)).toEqual([...range(100), '…[50 more items]']);
  });

  it('a Map or Set changed by a getter during its capture ends where it ends, and reads no entry past the cap', () => {
    const shrinking = new Map<string, unknown>();
    shrinking.set('a', {
      toJSON() {
        shrinking.delete('b');
        shrinking.delete('c');
        return 'x';
      },
    });
    shrinking.set('b', 2).set('c', 3);
    const shrinkingSet = new Set<unknown>();
    shrinkingSet.add({
      toJSON() {
        shrinkingSet.clear();
        return 'y';
      },
    });
    shrinkingSet.add(2).add(3);
    // No "…[truncated]" for entries that are gone (the capture goes on), no null for items that are gone.
    expect(show([shrinking, shrinkingSet, 'after'])).toEqual([{ a: 'x' }, ['y'], 'after']);
    const growing = new Map<string, unknown>();
    growing.set('first', {
      toJSON() {
        for (const i of range(200)) growing.set(`added${i}`, i);
        return 'grew';
      },
    });
    const shown = show(growing) as Record<string, unknown>;
    expect(Object.keys(shown)).toHaveLength(MAX_COLLECTION_ENTRIES + 1);
    expect(shown.added98).toBe(98);
    expect(shown['…']).toBe('…[101 more entries]');
    const growingSet = new Set<unknown>();
    growingSet.add({
      toJSON() {
        for (const i of range(200)) growingSet.add(i);
        return 'grew';
      },
    });
    expect(show(growingSet)).toEqual(['grew', ...range(99), '…[101 more items]']);
  });

  it('an object that only inherits from Map or Set is shown as such, the rest of the capture kept', () => {
    expect(
      show({ fakeMap: Object.create(Map.prototype), fakeSet: Object.create(Set.prototype), after: 1 }),
    ).toEqual({
      fakeMap: '[Unserializable: not a Map]',
      fakeSet: '[Unserializable: not a Set]',
      after: 1,
    });
  });

  it('the budget still cuts first when 100 entries do not fit, and then ends the capture', () => {
    const long = (i: number) => `${i}:${'x'.repeat(100)}`;
    const capped = new Map(entries(150));
    const wide = new Map(range(150).map((i) => [`w${i}`, long(i)]));
    const wideSet = new Set(range(150).map(long));
    for (const second of [wide, wideSet]) {
      const text = serializeValue([capped, second, 'after'], budget);
      expect(text.length).toBeLessThanOrEqual(budget.maxChars);
      const shown = JSON.parse(text) as [Record<string, unknown>, object];
      // The first Map is capped (its marker) and the capture goes on to the second …
      expect(shown[0]['…']).toBe('…[50 more entries]');
      // … which the budget cuts before its 100th entry (one budget marker), and nothing follows.
      expect(Object.keys(shown[1]).length).toBeGreaterThan(5);
      expect(Object.keys(shown[1]).length).toBeLessThan(40);
      expect(JSON.stringify(shown[1]).match(/…\[(truncated|\d+ more items)/g)).toHaveLength(1);
      expect(shown).toHaveLength(2);
    }
  });

  it('a cap marker that does not fit the budget uses the marker room and ends the capture (valid JSON)', () => {
    const value = [new Map(entries(150)), new Set(range(150)), 'after'];
    let cappedThenCut = 0;
    for (let maxChars = 200; maxChars <= 1_600; maxChars++) {
      const text = serializeValue(value, { ...budget, maxChars, maxStringChars: maxChars });
      expect(text.length).toBeLessThanOrEqual(maxChars);
      const shown = JSON.parse(text) as unknown[];
      if ((shown[0] as Record<string, unknown>)['…'] === '…[50 more entries]' && shown.length === 1)
        cappedThenCut++;
    }
    expect(cappedThenCut).toBeGreaterThan(0);
  });
});

const KEYS = [
  'query',
  'k',
  'id',
  'text',
  'apiKey',
  'password',
  'x-api-key',
  '',
  'ключ',
  'a"b',
  'line\nbreak',
];
const PIECES = ['tides', 'é', '😀', '"', '\\', '\n', '\u0000', '\ud800', 'The Moon raises tides. ', ' '];

/** Maps and Sets (at most 100 entries each) of primitives, nested collections and plain data. */
function collections(seed: number) {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  function string(): string {
    const n = r() < 0.1 ? int(3000) : int(14);
    let s = '';
    for (let i = 0; i < n; i++) s += r() < 0.5 ? pick(PIECES) : String.fromCharCode(32 + int(90));
    return s;
  }
  function key(): string {
    if (r() < 0.05) return 'k'.repeat(200 + int(120));
    // Never an integer-like key: a plain object would list it first.
    return r() < 0.6 ? pick(KEYS) : `${pick(KEYS)}_${int(500)}`;
  }
  let nodes = 0;
  function value(depth: number): unknown {
    const roll = r();
    if (depth > 6 || roll < 0.6 || ++nodes > 400) {
      return pick<() => unknown>([
        string,
        string,
        () => int(1000),
        () => (r() - 0.5) * 1e6,
        () => pick([Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, 5e-324]),
        () => r() < 0.5,
        () => null,
        () => undefined,
      ])();
    }
    const size = r() < 0.2 ? 60 + int(41) : int(8);
    if (roll < 0.75) {
      const map = new Map<string, unknown>();
      for (let i = 0; i < size; i++) map.set(key(), value(depth + 1));
      return map;
    }
    if (roll < 0.9) {
      const set = new Set<unknown>();
      for (let i = 0; i < size; i++) set.add(value(depth + 1));
      return set;
    }
    return roll < 0.95 ? [value(depth + 1), value(depth + 1)] : { nested: value(depth + 1) };
  }
  return { value, int };
}

/** The same data with Maps as plain objects and Sets as arrays: what the general loops write. */
function plain(value: unknown): unknown {
  if (value instanceof Map) {
    const object: Record<string, unknown> = Object.create(null);
    for (const [k, v] of value) object[k as string] = plain(v);
    return object;
  }
  if (value instanceof Set) return [...value].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

describe('Map and Set members under the cap are written as the general walk writes them', () => {
  it('matches the walk of the plain object / array, character for character, at every budget', () => {
    for (let seed = 1; seed <= 1_500; seed++) {
      const { value, int } = collections(seed);
      const data = value(0);
      const maxChars = 40 + int(3_000);
      const options: SerializeOptions = {
        maxChars,
        maxStringChars: 5 + int(maxChars),
        redactKeys: DEFAULT_REDACT_KEYS,
        // Deeper than any generated value: at maxDepth a Set's placeholder is "[Object]", its
        // array's "[Array]".
        maxDepth: 12,
      };
      const expected = walkValue(plain(data), options);
      const actual = walkValue(data, options);
      if (actual !== expected) expect({ seed, actual }).toEqual({ seed, actual: expected });
    }
  });

  it('matches it at every budget, character by character, where strings and members are cut', () => {
    const ESCAPED_KEY = '\u0001\u0002\u0003\u0004\u0005';
    const words = ['a', 'tides', 'é', 'say "hi"', 'two\nlines', '', 'x'.repeat(40), '😀😀', 'ok', '\u0000'];
    const values: unknown[] = [
      new Set(words),
      new Set([...words, 7, true, Number.NaN, null, undefined, [1, 'b'], { c: 'd' }, ...words]),
      new Map(words.map((w, i) => [`key${i}${w}`, w])),
      new Map<string, unknown>([
        ['token', 'secret'],
        ['n', 12.5],
        // A key far longer quoted than it is (a member starts on its length, is kept on its text).
        [ESCAPED_KEY, 'escaped key'],
        [`${ESCAPED_KEY}n`, 2],
        ['long'.repeat(70), 1],
        ['b', false],
        ['u', undefined],
        ['list', new Set(words)],
        ['inf', Number.NEGATIVE_INFINITY],
        ...words.map((w, i): [string, string] => [`w${i}`, w]),
      ]),
      [new Map([['a', 'b']]), new Set(['c']), new Map([['d', new Map([['e', 'f']])]])],
      new Map([[ESCAPED_KEY, 1]]),
    ];
    for (const value of values) {
      const whole = walkValue(plain(value), { ...budget, maxDepth: 12 }).length;
      for (let maxChars = 10; maxChars <= whole + 60; maxChars++) {
        for (const maxStringChars of [maxChars, 7, 1]) {
          const options: SerializeOptions = { maxChars, maxStringChars, redactKeys: DEFAULT_REDACT_KEYS };
          const expected = walkValue(plain(value), options);
          const actual = walkValue(value, options);
          if (actual !== expected)
            expect({ maxChars, maxStringChars, actual }).toEqual({
              maxChars,
              maxStringChars,
              actual: expected,
            });
        }
      }
    }
  });
});

describe('the key texts remembered per position of a Map', () => {
  it('follow the redaction list: the same Map captured under other lists is redacted by each', () => {
    const map = new Map(
      range(120).map((i): [string, string] => [i === 3 ? 'password' : i === 7 ? 'note' : `k${i}`, `v${i}`]),
    );
    const redacting: SerializeOptions = { ...budget, redactKeys: ['password'] };
    const notes: SerializeOptions = { ...budget, redactKeys: ['note'] };
    for (let round = 0; round < 3; round++) {
      expect(show(map, redacting)).toMatchObject({ password: REDACTED, note: 'v7' });
      expect(show(map, notes)).toMatchObject({ password: 'v3', note: REDACTED });
      expect(show(map, budget)).toMatchObject({ password: REDACTED, note: 'v7' });
    }
  });

  it('are not shared with a capture started inside another (its own options)', () => {
    // The inner capture (from a toJSON) sees the same keys at the same places, under another list.
    const inner = new Map([
      ['first', 'inner first'],
      ['password', 'inner password'],
      ['note', 'inner note'],
    ]);
    let innerText = '';
    const trigger = {
      toJSON() {
        innerText = serializeValue(inner, { ...budget, redactKeys: ['note'] });
        return 'captured inside';
      },
    };
    const outer = new Map<string, unknown>([
      ['trigger', trigger],
      ['password', 'outer password'],
      ['note', 'outer note'],
    ]);
    for (let round = 0; round < 3; round++) {
      const text = serializeValue(outer, { ...budget, redactKeys: ['password'] });
      expect(text).not.toContain('outer password');
      expect(JSON.parse(text)).toEqual({
        trigger: 'captured inside',
        password: REDACTED,
        note: 'outer note',
      });
      expect(JSON.parse(innerText)).toEqual({
        first: 'inner first',
        password: 'inner password',
        note: REDACTED,
      });
    }
  });

  it('a Map whose keys change between captures shows its own keys', () => {
    const map = new Map(entries(50));
    expect(Object.keys(show(map) as object)).toEqual(range(50).map((i) => `k${i}`));
    map.delete('k0');
    map.set('k0', 0);
    map.set('fresh', 1);
    expect(Object.keys(show(map) as object)).toEqual([...range(49).map((i) => `k${i + 1}`), 'k0', 'fresh']);
  });
});

import {
  configureTracing,
  DEFAULT_REDACT_KEYS,
  fn,
  type SerializeOptions,
  serializeValue,
} from '@lazytrace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { exporter, useTestTracing } from '../support.js';

// Review of the Map/Set capture speed work (issue #10, H1: 6a52560, 678bcc8): a Map or Set shows
// at most 100 entries, then a "more" marker; members are written by a tighter loop. What must
// hold: up to 100 entries the text is the one the serializer wrote before the change (f9338fb);
// past 100 the marker and its count are right; the cap never lets a secret out nor trusts a
// subclass; the budget still cuts first when it comes first; the result is valid JSON within
// the budget. Oracles are JSON.stringify of the equivalent plain value, or strings written by
// the f9338fb serializer for the same value and budget (a randomized comparison of both
// versions on Maps/Sets of up to 100 entries, 12,000 values, found no difference).

useTestTracing();
afterEach(() => configureTracing({ maxContentChars: null }));

const options = (maxChars = 100_000, maxStringChars = maxChars): SerializeOptions => ({
  maxChars,
  maxStringChars,
  redactKeys: DEFAULT_REDACT_KEYS,
});

const mapOf = (n: number, value: (i: number) => unknown = (i) => i) =>
  new Map(Array.from({ length: n }, (_, i) => [`k${i}`, value(i)] as const));
const setOf = (n: number, value: (i: number) => unknown = (i) => i) =>
  new Set(Array.from({ length: n }, (_, i) => value(i)));

/** The plain-object equivalent of a Map with string keys, as JSON.stringify writes it. */
const asObject = (map: Map<string, unknown>) => JSON.stringify(Object.fromEntries(map));

describe('the 100-entry cap: exact at the boundary', () => {
  it('a Map of exactly 100 entries is written whole, as a plain object would be', () => {
    const map = mapOf(100, (i) => (i % 2 ? `v${i}` : i));
    expect(serializeValue(map, options())).toBe(asObject(map));
  });

  it('a Map of 101 entries shows 100 and says "1 more entries"', () => {
    const map = mapOf(101);
    const first100 = Object.fromEntries([...map].slice(0, 100));
    expect(serializeValue(map, options())).toBe(JSON.stringify({ ...first100, '…': '…[1 more entries]' }));
  });

  it('a Set of exactly 100 entries is written whole; 101 shows 100 and "…[1 more items]"', () => {
    const set100 = setOf(100, (i) => `item-${i}`);
    expect(serializeValue(set100, options())).toBe(JSON.stringify([...set100]));
    const set101 = setOf(101, (i) => `item-${i}`);
    expect(serializeValue(set101, options())).toBe(
      JSON.stringify([...[...set101].slice(0, 100), '…[1 more items]']),
    );
  });

  it('a million-entry Map and Set: the count in the marker is the real one', () => {
    const map = mapOf(1_000_000);
    const set = setOf(1_000_000);
    const mapText = serializeValue(map, options());
    const setText = serializeValue(set, options());
    expect(JSON.parse(mapText)['…']).toBe('…[999900 more entries]');
    expect(Object.keys(JSON.parse(mapText))).toHaveLength(101);
    const items = JSON.parse(setText) as unknown[];
    expect(items).toHaveLength(101);
    expect(items[100]).toBe('…[999900 more items]');
  });

  it('the walk goes on after a capped collection: siblings and later members are kept', () => {
    const value = { a: mapOf(150), b: setOf(150), c: 'tail' };
    const parsed = JSON.parse(serializeValue(value, options())) as {
      a: Record<string, unknown>;
      b: unknown[];
      c: string;
    };
    expect(parsed.a['…']).toBe('…[50 more entries]');
    expect(parsed.b[100]).toBe('…[50 more items]');
    expect(parsed.c).toBe('tail');
  });

  it('nested Map in Set in Map: each level capped on its own, with its own count', () => {
    const inner = mapOf(150);
    const middle = new Set<unknown>([inner, ...Array.from({ length: 120 }, (_, i) => `s${i}`)]);
    const outer = new Map<string, unknown>([['middle', middle], ...mapOf(130)]);
    const parsed = JSON.parse(serializeValue(outer, options())) as Record<string, unknown>;
    expect(Object.keys(parsed)).toHaveLength(101);
    expect(parsed['…']).toBe('…[31 more entries]');
    const set = parsed.middle as unknown[];
    expect(set).toHaveLength(101);
    expect(set[100]).toBe('…[21 more items]');
    const map = set[0] as Record<string, unknown>;
    expect(Object.keys(map)).toHaveLength(101);
    expect(map.k99).toBe(99);
    expect(map['…']).toBe('…[50 more entries]');
  });

  it('entries with undefined values count toward the cap but are not shown (the count is of entries not read)', () => {
    const map = mapOf(150, (i) => (i < 60 ? undefined : i));
    const parsed = JSON.parse(serializeValue(map, options())) as Record<string, unknown>;
    expect(Object.keys(parsed)).toHaveLength(41);
    expect(parsed.k60).toBe(60);
    expect(parsed.k99).toBe(99);
    expect(parsed['…']).toBe('…[50 more entries]');
  });
});

describe('the cap never lets a secret out nor trusts the collection', () => {
  it('redacted Map keys stay redacted before the cap, and secrets past it are not shown', () => {
    const map = new Map<unknown, unknown>();
    map.set('apiKey', 'SECRET-A');
    for (let i = 0; i < 98; i++) map.set(`k${i}`, i);
    map.set('password', 'SECRET-B'); // entry 100: last shown
    map.set('authorization', 'SECRET-C'); // entry 101: past the cap
    map.set('token', 'SECRET-D');
    const text = serializeValue(map, options());
    expect(text).not.toMatch(/SECRET/);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed.apiKey).toBe('[REDACTED]');
    expect(parsed.password).toBe('[REDACTED]');
    expect(parsed['…']).toBe('…[2 more entries]');
  });

  it('the same redacted keys, captured again right after a Map with the same keys not redacted', () => {
    // The per-position key memo must not carry a "not redacted" verdict over to another list.
    const keys = ['apiKey', 'password', 'token'];
    const open = new Map(keys.map((k) => [k, `open-${k}`]));
    expect(serializeValue(open, { maxChars: 1000, maxStringChars: 1000, redactKeys: [] })).toBe(
      '{"apiKey":"open-apiKey","password":"open-password","token":"open-token"}',
    );
    const secret = new Map(keys.map((k) => [k, `SECRET-${k}`]));
    expect(serializeValue(secret, options())).toBe(
      '{"apiKey":"[REDACTED]","password":"[REDACTED]","token":"[REDACTED]"}',
    );
    // And the other way round: a key memo built under the default list must not redact here.
    expect(serializeValue(open, { maxChars: 1000, maxStringChars: 1000, redactKeys: [] })).toBe(
      '{"apiKey":"open-apiKey","password":"open-password","token":"open-token"}',
    );
  });

  it('a Map keyed by objects, numbers and symbols (a Symbol("apiKey") key is not a string key)', () => {
    const map = new Map<unknown, unknown>([
      [{ id: 1 }, 'object key'],
      [7, 'number key'],
      [Symbol('apiKey'), 'symbol key'],
      [null, 'null key'],
    ]);
    expect(serializeValue(map, options())).toBe(
      '{"[object Object]":"object key","7":"number key","Symbol(apiKey)":"symbol key","null":"null key"}',
    );
    const many = new Map<unknown, unknown>(Array.from({ length: 120 }, (_, i) => [{ i }, i] as const));
    const text = serializeValue(many, options());
    expect(text.endsWith(',"[object Object]":99,"…":"…[20 more entries]"}')).toBe(true);
  });

  it('a Map subclass lying about size, entries(), keys(), values() and its iterator is read for what it holds', () => {
    class LyingMap<K, V> extends Map<K, V> {
      override get size() {
        return 1;
      }
      override entries(): MapIterator<[K, V]> {
        return new Map<K, V>().entries();
      }
      override keys(): MapIterator<K> {
        return new Map<K, V>().keys();
      }
      override values(): MapIterator<V> {
        return new Map<K, V>().values();
      }
      override [Symbol.iterator](): MapIterator<[K, V]> {
        return new Map<K, V>().entries();
      }
    }
    const lying = new LyingMap<string, number>();
    for (let i = 0; i < 120; i++) lying.set(`k${i}`, i);
    const parsed = JSON.parse(serializeValue(lying, options())) as Record<string, unknown>;
    expect(Object.keys(parsed)).toHaveLength(101);
    expect(parsed.k0).toBe(0);
    expect(parsed['…']).toBe('…[20 more entries]');
  });

  it('a Set subclass lying about size, values() and its iterator is read for what it holds', () => {
    class LyingSet<T> extends Set<T> {
      override get size() {
        return 1_000_000;
      }
      override values(): SetIterator<T> {
        return new Set<T>().values();
      }
      override [Symbol.iterator](): SetIterator<T> {
        return new Set<T>().values();
      }
    }
    const lying = new LyingSet<number>();
    for (let i = 0; i < 3; i++) lying.add(i);
    expect(serializeValue(lying, options())).toBe('[0,1,2]');
  });
});

describe('objects that only look like a Map or Set', () => {
  it('an object inheriting from Map.prototype / Set.prototype without being one does not fail the capture', () => {
    const value = {
      fakeMap: Object.create(Map.prototype),
      fakeSet: Object.create(Set.prototype),
      kept: 'yes',
    };
    const text = serializeValue(value, options());
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed.kept).toBe('yes');
    expect(parsed).toHaveProperty('fakeMap');
    expect(parsed).toHaveProperty('fakeSet');
  });
});

describe('a collection that changes while it is captured (a toJSON among its values)', () => {
  it('a Map that grows past 100 entries during its capture still shows at most 100', () => {
    const map = new Map<string, unknown>();
    map.set('first', {
      toJSON() {
        for (let i = 0; i < 200; i++) map.set(`added${i}`, i);
        return 'grew';
      },
    });
    map.set('second', 2);
    const parsed = JSON.parse(serializeValue(map, options())) as Record<string, unknown>;
    expect(parsed.first).toBe('grew');
    // 100 entries shown at most, whatever the Map became meanwhile (plus the marker, if any).
    expect(Object.keys(parsed).filter((k) => k !== '…').length).toBeLessThanOrEqual(100);
  });

  it('a Set that grows past 100 during its capture shows 100 and the real count of the rest', () => {
    const set = new Set<unknown>();
    set.add({
      toJSON() {
        for (let i = 0; i < 200; i++) set.add(i);
        return 'grew';
      },
    });
    set.add('second');
    const items = JSON.parse(serializeValue(set, options())) as unknown[];
    expect(items).toHaveLength(101);
    expect(items.slice(0, 3)).toEqual(['grew', 'second', 0]);
    expect(items[100]).toBe('…[102 more items]');
  });

  it('a Map and a Set that shrink during capture but keep more than 100: the count is of what is left', () => {
    const map = mapOf(250);
    map.set('k0', {
      toJSON() {
        for (let i = 1; i <= 120; i++) map.delete(`k${i}`);
        return 'x';
      },
    });
    const parsed = JSON.parse(serializeValue(map, options())) as Record<string, unknown>;
    // Shown: k0, k121 … k219 (100 entries); left: k220 … k249.
    expect(Object.keys(parsed)).toHaveLength(101);
    expect(parsed.k219).toBe(219);
    expect(parsed['…']).toBe('…[30 more entries]');

    const set = new Set<unknown>();
    const shrinker = {
      toJSON() {
        for (let i = 1; i <= 120; i++) set.delete(i);
        return 't';
      },
    };
    set.add(shrinker);
    for (let i = 1; i < 250; i++) set.add(i);
    const items = JSON.parse(serializeValue(set, options())) as unknown[];
    expect(items).toHaveLength(101);
    expect(items[99]).toBe(219);
    expect(items[100]).toBe('…[30 more items]');
  });

  it('Map entries stay paired with their keys while getters delete, re-add and append entries', () => {
    const map = mapOf(120);
    let added = 0;
    for (const at of [3, 40, 77]) {
      map.set(`k${at}`, {
        toJSON() {
          map.delete(`k${at + 1}`); // the next one: skipped by both iterators
          map.delete(`k${at - 2}`); // one already written
          map.delete(`k${at + 5}`);
          map.set(`k${at + 5}`, at + 5); // re-added at the end
          map.set(`k${1000 + added}`, 1000 + added++);
          return `t${at}`;
        },
      });
    }
    const parsed = JSON.parse(serializeValue(map, options())) as Record<string, unknown>;
    for (const [key, value] of Object.entries(parsed)) {
      if (key === '…') continue;
      const i = Number(key.slice(1));
      expect([key, value]).toEqual([key, [3, 40, 77].includes(i) ? `t${i}` : i]);
    }
    for (const gone of [4, 41, 78]) expect(parsed).not.toHaveProperty(`k${gone}`);
    expect(Object.keys(parsed).filter((k) => k !== '…').length).toBeLessThanOrEqual(100);
  });

  it('a Map that shrinks during its capture: valid JSON, never a value that is not there', () => {
    const map = mapOf(150);
    map.set('k0', {
      toJSON() {
        for (let i = 1; i < 140; i++) map.delete(`k${i}`);
        return 'x';
      },
    });
    const parsed = JSON.parse(serializeValue(map, options())) as Record<string, unknown>;
    expect(parsed.k0).toBe('x');
    for (let i = 1; i < 140; i++) expect(parsed).not.toHaveProperty(`k${i}`);
    expect(parsed.k149).toBe(149);
  });
});

describe('the budget still cuts first when it comes first', () => {
  it('a 100-entry Set and Map at a 300-character budget: the same text as before the change', () => {
    // Written by the f9338fb serializer for the same values and budget.
    expect(
      serializeValue(
        setOf(100, (i) => `item-${i}`),
        options(300),
      ),
    ).toBe(`[${Array.from({ length: 26 }, (_, i) => `"item-${i}"`).join(',')},"…[truncated 7 chars]"]`);
    expect(
      serializeValue(
        new Map(Array.from({ length: 100 }, (_, i) => [`key${i}`, i % 2 ? `v${i}` : i] as const)),
        options(300),
      ),
    ).toBe(
      `{${Array.from({ length: 21 }, (_, i) => `"key${i}":${i % 2 ? `"v${i}"` : i}`).join(',')},"…":"…[truncated]"}`,
    );
  });

  it('a mixed Map (escapes, redaction, nested Set, symbol and object keys) at several budgets: as before', () => {
    const value = () =>
      new Map<unknown, unknown>([
        ['query', 'what is "RAG"?\n'],
        ['apiKey', 'sk-123'],
        ['password', 'p'],
        [7, new Set(['a', 1, null, undefined, true, 'x'.repeat(40)])],
        [
          Symbol('tok'),
          {
            nested: new Map<string, unknown>([
              ['token', 't'],
              ['k', [1, 2]],
            ]),
          },
        ],
        [{ id: 1 }, 'object key'],
        ['last', 'é😀'],
      ]);
    // Each written by the f9338fb serializer for the same value and budget.
    const before: [SerializeOptions, string][] = [
      [
        options(4096),
        '{"query":"what is \\"RAG\\"?\\n","apiKey":"[REDACTED]","password":"[REDACTED]","7":["a",1,null,null,true,"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],"Symbol(tok)":{"nested":{"token":"[REDACTED]","k":[1,2]}},"[object Object]":"object key","last":"é😀"}',
      ],
      [
        options(150),
        '{"query":"what is \\"RAG\\"?\\n","apiKey":"[REDACTED]","password":"[REDACTED]","7":["a",1,null,null,true,"…[1 more items]"]}',
      ],
      [options(100), '{"query":"what is \\"RAG\\"?\\n","apiKey":"[REDACTED]","…":"…[truncated]"}'],
      [options(80), '{"query":"what is \\"RAG\\"?\\n","…":"…[truncated]"}'],
      [options(60), '{"…":"…[truncated]"}'],
      [
        options(4096, 10),
        '{"query":"what is \\"R…[truncated 5 chars]","apiKey":"[REDACTED]","password":"[REDACTED]","7":["a",1,null,null,true,"xxxxxxxxxx…[truncated 30 chars]"],"Symbol(tok)":{"nested":{"token":"[REDACTED]","k":[1,2]}},"[object Object]":"object key","last":"é😀"}',
      ],
    ];
    for (const [opts, expected] of before) expect(serializeValue(value(), opts)).toBe(expected);
  });

  it('at every budget from 20 to 1,200 characters, a capped Map and Set give valid JSON within it', () => {
    const value = {
      a: mapOf(101),
      b: setOf(150, (i) => `v${i}`),
      c: [new Map([['m', setOf(200, (i) => ({ i }))]])],
    };
    for (let maxChars = 20; maxChars <= 1200; maxChars++) {
      const text = serializeValue(value, options(maxChars));
      expect(text.length).toBeLessThanOrEqual(maxChars);
      expect(() => JSON.parse(text)).not.toThrow();
      // Never the whole-capture fallback when the first member fits.
      if (maxChars >= 120) expect(text.startsWith('{"a":{"k0":0')).toBe(true);
    }
  });
});

describe('end to end: what a span records', () => {
  it('a traced call given a 1,000,000-entry Map records 100 entries and the marker', async () => {
    configureTracing({ maxContentChars: 100_000 });
    const map = mapOf(1_000_000);
    const same = await fn((m: Map<string, unknown>) => m, { name: 'big-map' }).invoke(map);
    expect(same).toBe(map);
    const span = exporter.getFinishedSpans()[0]!;
    for (const key of ['lazytrace.input', 'lazytrace.output']) {
      const parsed = JSON.parse(span.attributes[key] as string) as Record<string, unknown>;
      expect(Object.keys(parsed)).toHaveLength(101);
      expect(parsed['…']).toBe('…[999900 more entries]');
    }
  });
});

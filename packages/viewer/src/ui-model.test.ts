import { describe, expect, it } from 'vitest';
import { chatMessages, contentText, decodeValue, formatMs, preview } from '../ui/format.js';
import { filtersToParams, matchesFilters, paramsToFilters } from '../ui/source.js';
import { computeStats, histogram, normalizeStats, percentile } from '../ui/stats.js';
import { buildModel, criticalPath, visibleRows } from '../ui/trace/tree-model.js';
import type { SpanNode, TraceDetail, TraceSummary } from '../ui/types.js';

// The browser app's pure parts, tested in Node (the e2e tests cover them in Chromium too).

function span(
  id: string,
  start: number,
  end: number,
  children: SpanNode[] = [],
  status: 'ok' | 'error' = 'ok',
): SpanNode {
  return {
    spanId: id,
    name: id,
    kind: 'module',
    startTime: new Date(start).toISOString(),
    endTime: new Date(end).toISOString(),
    startMs: start,
    endMs: end,
    durationMs: end - start,
    status,
    children,
  };
}

const detail = (root: SpanNode, orphans: SpanNode[] = []): TraceDetail => ({
  trace: {
    traceId: 't',
    name: root.name,
    startTime: root.startTime,
    durationMs: root.durationMs,
    status: 'ok',
  },
  root,
  orphans,
});

describe('tree model', () => {
  // root 0..100: a 0..30, b 10..40 (overlaps a), c 50..90 with c1 60..70.
  const tree = detail(
    span('root', 0, 100, [span('b', 10, 40), span('a', 0, 30), span('c', 50, 90, [span('c1', 60, 70)])]),
  );

  it('flattens in preorder, children by start time, with depth and subtree ends', () => {
    const m = buildModel(tree);
    expect(m.spans.map((s) => `${s.node.spanId}:${s.depth}`)).toEqual([
      'root:0',
      'a:1',
      'b:1',
      'c:1',
      'c1:2',
    ]);
    expect(m.spans.map((s) => s.end)).toEqual([5, 2, 3, 5, 5]);
    expect([m.t0, m.t1]).toEqual([0, 100]);
  });

  it('self time is the duration minus the union of the children', () => {
    const m = buildModel(tree);
    const self = Object.fromEntries(m.spans.map((s) => [s.node.spanId, s.selfMs]));
    // root: 100 - (0..40 ∪ 50..90) = 20; c: 40 - 10 = 30.
    expect(self).toEqual({ root: 20, a: 30, b: 30, c: 30, c1: 10 });
  });

  it("prefers the server's self time when sent", () => {
    const root = span('root', 0, 100);
    root.selfTimeMs = 42;
    expect(buildModel(detail(root)).spans[0]!.selfMs).toBe(42);
  });

  it('critical path: the last child to finish, then the last before it started', () => {
    expect([...criticalPath(buildModel(tree))].sort()).toEqual(['b', 'c', 'c1', 'root']);
  });

  it('collapsing hides a subtree; orphans follow the root', () => {
    const m = buildModel(detail(tree.root!, [span('lost', 5, 6)]));
    expect(visibleRows(m, new Set(['c'])).map((i) => m.spans[i]!.node.spanId)).toEqual([
      'root',
      'a',
      'b',
      'c',
      'lost',
    ]);
    expect(visibleRows(m, new Set(['root'])).map((i) => m.spans[i]!.node.spanId)).toEqual(['root', 'lost']);
    expect(m.spans.at(-1)!.orphan).toBe(true);
  });

  it('a 10,000-deep chain does not overflow the stack', () => {
    let node = span('s9999', 9999, 10000);
    for (let i = 9998; i >= 0; i--) node = span(`s${i}`, i, 10000, [node]);
    const m = buildModel(detail(node));
    expect(m.spans).toHaveLength(10_000);
    expect(m.spans[9999]!.depth).toBe(9999);
    expect(criticalPath(m).size).toBe(10_000);
  });
});

describe('stats', () => {
  it('nearest-rank percentiles and log buckets for a long tail', () => {
    const d = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(d, 50), percentile(d, 90), percentile(d, 99)]).toEqual([50, 90, 99]);
    const h = histogram([1, 2, 3, 1000], 10);
    expect(h.reduce((n, b) => n + b.count, 0)).toBe(4);
    expect(h[0]!.endMs / h[0]!.startMs).toBeCloseTo(h[9]!.endMs / h[9]!.startMs, 5);
  });

  it("reads the server's /api/stats and refuses what it cannot read", () => {
    const s = normalizeStats({
      count: 3,
      errorCount: 1,
      errorRate: 1 / 3,
      p50: 2,
      p90: 3,
      p95: 3,
      p99: 3,
      histogram: [
        { startMs: 1, endMs: 2, count: 1 },
        { startMs: 2, endMs: 3, count: 2 },
      ],
    });
    expect(s).toMatchObject({
      count: 3,
      p50: 2,
      histogram: [{ startMs: 1, endMs: 2, count: 1 }, { count: 2 }],
    });
    expect(normalizeStats({ hello: 1 })).toBeNull();
    expect(
      computeStats([
        { durationMs: 5, status: 'error' },
        { durationMs: 7, status: 'ok' },
      ]).errorRate,
    ).toBe(0.5);
  });
});

describe('values and filters', () => {
  it('recognizes chat messages in the shapes apps record', () => {
    const msgs = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url' }] },
    ];
    expect(chatMessages(JSON.stringify(msgs))).toHaveLength(2);
    expect(chatMessages({ messages: msgs })).toHaveLength(2);
    expect(chatMessages({ choices: [{ message: { role: 'assistant', content: 'yo' } }] })).toEqual([
      { role: 'assistant', content: 'yo' },
    ]);
    expect(chatMessages([{ role: 'x' }])).toBeNull();
    expect(chatMessages('plain')).toBeNull();
    expect(contentText(msgs[1]!.content)).toBe('hi\n[image_url]');
    expect(preview(JSON.stringify(msgs))).toBe('user: hi [image_url]');
  });

  it('decodes JSON text, keeps other text', () => {
    expect(decodeValue('{"a":1}')).toEqual({ a: 1 });
    expect(decodeValue('"q"')).toBe('q');
    expect(decodeValue('{not json')).toBe('{not json');
    expect(formatMs(0)).toBe('0');
    expect(formatMs(1534)).toBe('1.53 s');
  });

  it('filters round-trip through the URL and match like the API', () => {
    const f = paramsToFilters(filtersToParams({ status: 'error', minDurationMs: 5, q: 'Hello', tag: 'x' }));
    expect(f).toEqual({ status: 'error', minDurationMs: 5, q: 'Hello', tag: 'x' });
    const t: TraceSummary = {
      traceId: 'a',
      name: 'rag',
      startTime: '2026-01-01T00:00:00Z',
      durationMs: 9,
      status: 'error',
      tags: ['x'],
      input: '"hello world"',
    };
    expect(matchesFilters(t, f)).toBe(true);
    expect(matchesFilters(t, { ...f, maxDurationMs: 8 })).toBe(false);
    expect(matchesFilters(t, { since: '2026-01-02T00:00:00Z' })).toBe(false);
  });
});

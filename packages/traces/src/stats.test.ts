import { describe, expect, it } from 'vitest';
import { summarizeTrace } from './build.js';
import { computeStats, percentile, summarizeSessions } from './stats.js';
import { records } from './testing/fixtures.js';

describe('computeStats', () => {
  it('percentiles interpolate linearly between closest ranks', () => {
    const sorted = [10, 20, 30, 40, 50];
    expect([50, 90, 95, 99, 0, 100].map((p) => percentile(sorted, p))).toEqual([30, 46, 48, 49.6, 10, 50]);
    expect(percentile([], 50)).toBe(0);
    expect(percentile([7], 99)).toBe(7);
  });

  it('counts, error rate, extremes, histogram over plain durations', () => {
    const stats = computeStats([0, 10, 20, 30, 40, 50, 60, 70, 80, 100], { buckets: 5 });
    expect(stats).toMatchObject({ count: 10, errorCount: 0, errorRate: 0, minMs: 0, maxMs: 100, meanMs: 46 });
    expect(stats.histogram).toEqual([
      { startMs: 0, endMs: 20, count: 2 },
      { startMs: 20, endMs: 40, count: 2 },
      { startMs: 40, endMs: 60, count: 2 },
      { startMs: 60, endMs: 80, count: 2 },
      { startMs: 80, endMs: 100, count: 2 },
    ]);
    expect(stats.groups).toBeUndefined();
    expect(computeStats([])).toMatchObject({ count: 0, errorRate: 0, p50: 0, histogram: [] });
    expect(computeStats([5, 5, 5]).histogram).toEqual([{ startMs: 5, endMs: 5, count: 3 }]);
  });

  it('groups spans by kind and model, with tokens and error rates', () => {
    const spans = records([
      { id: 'root', name: 'r', start: 0, end: 100 },
      {
        id: 'a',
        parent: 'root',
        name: 'llm',
        start: 0,
        end: 10,
        attrs: {
          'lazytrace.kind': 'llm',
          'gen_ai.request.model': 'm1',
          'gen_ai.usage.input_tokens': 5,
          'gen_ai.usage.output_tokens': 1,
        },
      },
      {
        id: 'b',
        parent: 'root',
        name: 'llm',
        start: 10,
        end: 30,
        error: 'x',
        attrs: { 'lazytrace.kind': 'llm', 'gen_ai.request.model': 'm1' },
      },
      {
        id: 'c',
        parent: 'root',
        name: 'llm2',
        start: 30,
        end: 60,
        attrs: { 'lazytrace.kind': 'llm', 'gen_ai.request.model': 'm2', 'gen_ai.usage.input_tokens': 2 },
      },
    ]);
    const byModel = computeStats(spans, { groupBy: 'model' });
    expect(byModel.groupBy).toBe('model');
    expect(byModel.groups!.map((g) => [g.key, g.count, g.errorRate, g.tokens.input, g.p50])).toEqual([
      ['m1', 2, 0.5, 5, 15],
      ['(none)', 1, 0, 0, 100],
      ['m2', 1, 0, 2, 30],
    ]);
    expect(byModel.tokens).toEqual({ input: 7, output: 1, total: 8 });
    const byKind = computeStats(spans, { groupBy: 'kind' });
    expect(byKind.groups!.map((g) => [g.key, g.count])).toEqual([
      ['llm', 3],
      ['span', 1],
    ]);
    const byName = computeStats([summarizeTrace(spans)], { groupBy: 'name' });
    expect(byName.groups!.map((g) => [g.key, g.count, g.errorCount])).toEqual([['r', 1, 1]]);
  });
});

describe('summarizeSessions', () => {
  it('aggregates traces per session, most recent first', () => {
    const trace = (t: string, session: string | undefined, user: string, start: number, end: number) =>
      summarizeTrace(
        records([
          {
            trace: t.repeat(32),
            id: 'root',
            name: 'r',
            start,
            end,
            attrs: {
              ...(session === undefined ? {} : { 'session.id': session }),
              'user.id': user,
              'gen_ai.usage.input_tokens': 1,
            },
          },
        ]),
      );
    const sessions = summarizeSessions([
      trace('1', 's1', 'u1', 0, 10),
      trace('2', 's1', 'u2', 100, 150),
      trace('3', 's2', 'u1', 50, 60),
      trace('4', undefined, 'u1', 500, 600),
    ]);
    expect(sessions.map((s) => [s.sessionId, s.traceCount, s.users, s.durationMs, s.tokens.input])).toEqual([
      ['s1', 2, ['u1', 'u2'], 60, 2],
      ['s2', 1, ['u1'], 10, 1],
    ]);
    expect(Date.parse(sessions[0]!.lastSeen) - Date.parse(sessions[0]!.firstSeen)).toBe(150);
  });
});

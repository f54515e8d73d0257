import { describe, expect, it } from 'vitest';
import { analyzeTrace, analyzeTraces } from './analysis.js';
import { normalizeErrorMessage } from './errors.js';
import { type FixtureSpan, records, sid } from './testing/fixtures.js';
import type { Recommendation } from './types.js';

const llm = (model: string, extra: Record<string, unknown> = {}) => ({
  'lazytrace.kind': 'llm',
  'gen_ai.request.model': model,
  ...extra,
});

function only(recs: Recommendation[], rule: Recommendation['rule']): Recommendation {
  const found = recs.filter((r) => r.rule === rule);
  expect(found, `${rule} in ${JSON.stringify(recs.map((r) => r.rule))}`).toHaveLength(1);
  return found[0]!;
}

describe('analyzeTrace', () => {
  it('ranks bottlenecks by critical-path share, then self time; criticalPath in time order', () => {
    // root 0..100: a 0..30 and b 20..90 overlap; root's own time 90..100.
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100, attrs: { 'lazytrace.kind': 'flow' } },
      { id: 'a', parent: 'root', name: 'a', start: 0, end: 30, attrs: { 'lazytrace.kind': 'retriever' } },
      { id: 'b', parent: 'root', name: 'b', start: 20, end: 90, attrs: { 'lazytrace.kind': 'llm' } },
    ]);
    const analysis = analyzeTrace(spans);
    expect(analysis.criticalPath).toEqual([sid('root'), sid('a'), sid('b')]);
    expect(analysis.traceCount).toBe(1);
    expect(analysis.spanCount).toBe(3);
    const summary = analysis.bottlenecks.map((b) => [b.name, b.kind, b.criticalPathMs, b.selfTimeMs]);
    expect(summary.map(([n]) => n)).toEqual(['b', 'a', 'root']);
    const [b, a, root] = analysis.bottlenecks;
    expect(b!.criticalPathMs).toBeCloseTo(70, 9);
    expect(b!.criticalPathShare).toBeCloseTo(0.7, 9);
    expect(a!.criticalPathMs).toBeCloseTo(20, 9); // 0..20: b starts at 20
    expect(a!.selfTimeMs).toBeCloseTo(30, 9);
    expect(root!.criticalPathMs).toBeCloseTo(10, 9);
    expect(root!.selfTimeMs).toBeCloseTo(10, 9);
    expect(b!.spanIds).toEqual([sid('b')]);
    expect(analysis.slowTraces).toEqual([]); // one trace alone is never above its own p95
  });

  it('clusters errors by name + type + normalized message', () => {
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100 },
      {
        id: 'e1',
        parent: 'root',
        name: 'search',
        start: 0,
        end: 1,
        error: "timeout after 3000 ms for 'cats'",
        attrs: { 'error.type': 'TimeoutError' },
      },
      {
        id: 'e2',
        parent: 'root',
        name: 'search',
        start: 1,
        end: 2,
        error: 'timeout after 5000 ms for "dogs"',
        attrs: { 'error.type': 'TimeoutError' },
      },
      {
        id: 'e3',
        parent: 'root',
        name: 'search',
        start: 2,
        end: 3,
        error: 'timeout after 10 ms for "x"',
        attrs: { 'error.type': 'AbortError' },
      },
      {
        id: 'e4',
        parent: 'root',
        name: 'db',
        start: 3,
        end: 4,
        events: [
          {
            name: 'exception',
            at: 3.5,
            attrs: {
              'exception.type': 'DbError',
              'exception.message': 'row 123e4567-e89b-12d3-a456-426614174000 missing',
            },
          },
        ],
        error: '',
      },
    ]);
    const errors = analyzeTrace(spans).errors;
    expect(errors.map((e) => [e.name, e.errorType, e.message, e.count])).toEqual([
      ['search', 'TimeoutError', 'timeout after <n> ms for <str>', 2],
      ['db', 'DbError', 'row <id> missing', 1],
      ['search', 'AbortError', 'timeout after <n> ms for <str>', 1],
    ]);
    expect(errors[0]!.spanIds).toEqual([sid('e1'), sid('e2')]);
    expect(errors[0]!.example).toBe("timeout after 3000 ms for 'cats'");
    expect(normalizeErrorMessage('key sk_live_abc123XYZ789 rejected  (status 401)')).toBe(
      'key <id> rejected (status <n>)',
    );
  });

  it('names slow traces (above p95, or a threshold) with their dominant span', () => {
    const traces = Array.from({ length: 20 }, (_, i) => {
      const d = (i + 1) * 10; // 10 … 200 ms
      const trace = (i + 1).toString(16).padStart(32, '0');
      return records([
        { trace, id: 'root', name: 'req', start: 0, end: d },
        { trace, id: 'llm', parent: 'root', name: 'llm', start: 0, end: d * 0.8 },
      ]);
    });
    const analysis = analyzeTraces(traces);
    // p95 of 10..200 (linear) = 190.5 → only the 200 ms trace is above it.
    expect(analysis.slowTraces).toHaveLength(1);
    const [slow] = analysis.slowTraces;
    expect(slow!.durationMs).toBeCloseTo(200, 9);
    expect(slow!.thresholdMs).toBeCloseTo(190.5, 9);
    expect(slow!.dominantSpan).toMatchObject({ name: 'llm', spanId: sid('llm') });
    expect(slow!.dominantSpan!.share).toBeCloseTo(0.8, 9);
    expect(analysis.criticalPath).toEqual([sid('root'), sid('llm')]);
    expect(
      analyzeTraces(traces, { slowThresholdMs: 150 }).slowTraces.map((s) => Math.round(s.durationMs)),
    ).toEqual([200, 190, 180, 170, 160, 150]);
    // Shares are of the roots' summed durations.
    expect(analysis.bottlenecks[0]).toMatchObject({ name: 'llm', count: 20 });
    expect(analysis.bottlenecks[0]!.criticalPathShare).toBeCloseTo(0.8, 9);
  });
});

describe('recommendations', () => {
  it('sequential independent siblings → parallel, with the saving of the shorter ones', () => {
    const spans = records([
      { id: 'root', name: 'request', start: 0, end: 200 },
      {
        id: 'dense',
        parent: 'root',
        name: 'dense',
        start: 0,
        end: 40,
        attrs: { 'lazytrace.input': '"q"', 'lazytrace.output': '["d1"]' },
      },
      {
        id: 'web',
        parent: 'root',
        name: 'web',
        start: 40,
        end: 100,
        attrs: { 'lazytrace.input': '"q"', 'lazytrace.output': '["w1"]' },
      },
      // Uses both outputs: depends on them, ends the run.
      {
        id: 'llm',
        parent: 'root',
        name: 'llm',
        start: 100,
        end: 200,
        attrs: { 'lazytrace.input': '{"d":["d1"],"w":["w1"]}', 'lazytrace.output': '"a"' },
      },
    ]);
    const rec = only(analyzeTrace(spans).recommendations, 'parallelize-siblings');
    expect(rec.spanIds).toEqual([sid('dense'), sid('web')]);
    expect(rec.estimatedSavingMs).toBeCloseTo(40, 6);
    expect(rec.message).toContain('parallel()');
  });

  it('does not recommend parallel for a pipeline whose steps feed each other, nor without content', () => {
    const spans = records([
      { id: 'root', name: 'request', start: 0, end: 200 },
      {
        id: 's1',
        parent: 'root',
        name: 'rewrite',
        start: 0,
        end: 50,
        attrs: { 'lazytrace.input': '"q"', 'lazytrace.output': '"better q"' },
      },
      {
        id: 's2',
        parent: 'root',
        name: 'search',
        start: 50,
        end: 100,
        attrs: { 'lazytrace.input': '"better q"', 'lazytrace.output': '["d"]' },
      },
      { id: 's3', parent: 'root', name: 'nocontent', start: 100, end: 150 },
      { id: 's4', parent: 'root', name: 'nocontent2', start: 150, end: 200 },
    ]);
    expect(analyzeTrace(spans).recommendations.filter((r) => r.rule === 'parallelize-siblings')).toEqual([]);
  });

  it('identical LLM inputs repeated → cache; the saving is the repeats', () => {
    const spans = records([
      { id: 'root', name: 'r', start: 0, end: 400 },
      ...[0, 1, 2].map((i) => ({
        id: `l${i}`,
        parent: 'root',
        name: 'llm',
        start: i * 120,
        end: i * 120 + 100,
        attrs: llm('m', { 'lazytrace.input': '"same question"', 'lazytrace.output': `"answer ${i}"` }),
      })),
      {
        id: 'other',
        parent: 'root',
        name: 'llm',
        start: 360,
        end: 380,
        attrs: llm('m', { 'lazytrace.input': '"other"' }),
      },
    ]);
    const rec = only(analyzeTrace(spans).recommendations, 'cache-repeated-llm-input');
    expect(rec.spanIds).toEqual([sid('l0'), sid('l1'), sid('l2')]);
    expect(rec.estimatedSavingMs).toBeCloseTo(200, 6);
  });

  it('time to first token dominating; oversized prompt; long non-streaming generation', () => {
    const spans = records([
      { id: 'root', name: 'r', start: 0, end: 20_000 },
      {
        id: 'slowstart',
        parent: 'root',
        name: 'answer',
        start: 0,
        end: 2000,
        attrs: llm('m', {
          'lazytrace.stream': true,
          'lazytrace.stream.time_to_first_chunk_ms': 1500,
          'gen_ai.usage.input_tokens': 16_000,
        }),
      },
      { id: 'blocking', parent: 'root', name: 'summarize', start: 2000, end: 10_000, attrs: llm('m') },
    ]);
    const recs = analyzeTrace(spans).recommendations;
    const ttft = only(recs, 'time-to-first-token');
    expect(ttft.spanIds).toEqual([sid('slowstart')]);
    expect(ttft.estimatedSavingMs).toBeCloseTo(750, 6);
    const big = only(recs, 'oversized-prompt');
    expect(big.spanIds).toEqual([sid('slowstart')]);
    expect(big.estimatedSavingMs).toBeCloseTo(1500 * (1 - 8000 / 16_000), 6);
    const stream = only(recs, 'stream-long-generation');
    expect(stream.spanIds).toEqual([sid('blocking')]);
    // The median time to first token of the model's streamed calls (1500) is what the user would wait.
    expect(stream.estimatedSavingMs).toBeCloseTo(8000 - 1500, 6);
    // Largest saving first.
    expect(recs.map((r) => r.estimatedSavingMs)).toEqual(
      [...recs.map((r) => r.estimatedSavingMs)].sort((a, b) => b - a),
    );
  });

  it('tool error rate and retry storms', () => {
    const tool = { 'lazytrace.kind': 'tool' };
    const spans: FixtureSpan[] = [
      { id: 'root', name: 'r', start: 0, end: 1000 },
      { id: 't1', parent: 'root', name: 'weather', start: 0, end: 50, attrs: tool, error: 'bad city' },
      { id: 't2', parent: 'root', name: 'search', start: 60, end: 70, attrs: tool },
      { id: 't3', parent: 'root', name: 'weather', start: 100, end: 150, attrs: tool, error: 'bad city' },
      { id: 't4', parent: 'root', name: 'weather', start: 200, end: 210, attrs: tool },
      { id: 't5', parent: 'root', name: 'weather', start: 300, end: 310, attrs: tool },
      // Three attempts with the same input, two failed, a back-off between: a retry storm (0 → 50 wasted).
      {
        id: 'c1',
        parent: 'root',
        name: 'call',
        start: 400,
        end: 410,
        error: 'HTTP 503',
        attrs: { 'lazytrace.input': '"x"' },
      },
      { id: 'b1', parent: 'root', name: 'backoff', start: 410, end: 420 },
      {
        id: 'c2',
        parent: 'root',
        name: 'call',
        start: 420,
        end: 430,
        error: 'HTTP 503',
        attrs: { 'lazytrace.input': '"x"' },
      },
      { id: 'c3', parent: 'root', name: 'call', start: 450, end: 460, attrs: { 'lazytrace.input': '"x"' } },
      // The same call with other inputs is not a retry; nor are the weather calls above (no input
      // recorded, and not next to each other).
      {
        id: 'o1',
        parent: 'root',
        name: 'call',
        start: 470,
        end: 480,
        error: 'HTTP 503',
        attrs: { 'lazytrace.input': '"y"' },
      },
    ];
    const recs = analyzeTrace(records(spans)).recommendations;
    const tools = only(recs, 'tool-error-rate');
    expect(tools.spanIds).toEqual([sid('t1'), sid('t3')]);
    expect(tools.estimatedSavingMs).toBeCloseTo(100, 6);
    expect(tools.message).toContain('failed 2 of 4 calls (50%)');
    const storm = only(recs, 'retry-storm');
    expect(storm.spanIds).toEqual([sid('c1'), sid('c2'), sid('c3')]);
    expect(storm.estimatedSavingMs).toBeCloseTo(50, 6);
  });

  it('merges the same pattern across traces, summing savings', () => {
    const one = (trace: string) =>
      records([
        { trace, id: 'root', name: 'r', start: 0, end: 10_000 },
        { trace, id: 'gen', parent: 'root', name: 'summarize', start: 0, end: 6000, attrs: llm('m') },
      ]);
    const recs = analyzeTraces([one('1'.repeat(32)), one('2'.repeat(32))]).recommendations;
    const stream = only(recs, 'stream-long-generation');
    // No streamed call to learn from: a fifth of the duration is the assumed first-token wait.
    expect(stream.estimatedSavingMs).toBeCloseTo(2 * (6000 - 1200), 6);
    expect(stream.traceIds).toEqual(['1'.repeat(32), '2'.repeat(32)]);
  });
});

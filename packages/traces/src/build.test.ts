import { describe, expect, it } from 'vitest';
import { buildTrace, groupByTrace, summarizeTrace, traceBreakdown } from './build.js';
import { records, sid, T0, TRACE } from './testing/fixtures.js';
import { criticalPath, selfTimes } from './timing.js';
import type { SpanNode } from './types.js';

function flat(node: SpanNode): SpanNode[] {
  return [node, ...node.children.flatMap(flat)];
}

describe('buildTrace', () => {
  it('subtracts overlapping parallel children once (union of intervals)', () => {
    // root 0..100; a 10..60 and b 30..90 overlap: covered 10..90 = 80 → root self 20.
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100 },
      { id: 'a', parent: 'root', name: 'a', start: 10, end: 60 },
      { id: 'b', parent: 'root', name: 'b', start: 30, end: 90 },
      { id: 'a1', parent: 'a', name: 'a1', start: 20, end: 30 },
      { id: 'a2', parent: 'a', name: 'a2', start: 25, end: 40 },
    ]);
    const self = selfTimes(spans);
    expect(self.get(sid('root'))).toBeCloseTo(20, 9);
    expect(self.get(sid('a'))).toBeCloseTo(50 - 20, 9); // a1 ∪ a2 = 20..40
    expect(self.get(sid('b'))).toBeCloseTo(60, 9);
    const { root } = buildTrace(spans);
    expect(root.selfTimeMs).toBeCloseTo(20, 9);
    expect(root.children.map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('clips children that outlive their parent when computing self time', () => {
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 50 },
      { id: 'bg', parent: 'root', name: 'background', start: 40, end: 140 },
    ]);
    expect(selfTimes(spans).get(sid('root'))).toBeCloseTo(40, 9);
    const { trace } = buildTrace(spans);
    expect(trace.durationMs).toBeCloseTo(140, 9);
  });

  it('tolerates clock skew: a child overlapping the parent start is clamped to it', () => {
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100 },
      { id: 'early', parent: 'root', name: 'early', start: -10, end: 50 },
      { id: 'inner', parent: 'early', name: 'inner', start: -5, end: 20 },
    ]);
    const { root } = buildTrace(spans);
    const early = root.children[0]!;
    expect(early.durationMs).toBeCloseTo(60, 9); // recorded
    expect(early.displayStartMs).toBeCloseTo(T0, 6);
    expect(early.displayEndMs).toBeCloseTo(T0 + 50, 6);
    expect(early.clockSkewMs).toBeCloseTo(10, 9);
    const inner = early.children[0]!;
    expect(inner.displayStartMs).toBeCloseTo(T0, 6);
    expect(inner.displayEndMs).toBeCloseTo(T0 + 20, 6);
    // Self time from the clamped intervals: early 0..50 minus inner 0..20; root 100 minus 0..50.
    expect(early.selfTimeMs).toBeCloseTo(30, 9);
    expect(root.selfTimeMs).toBeCloseTo(50, 9);
    expect(selfTimes(spans).get(sid('root'))).toBeCloseTo(50, 9);
  });

  it('tolerates clock skew: a child entirely before its parent is moved to its start with its subtree, not dropped', () => {
    // The child's machine runs 50 ms behind: it "starts" at -50 and lasts 30 ms.
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100 },
      { id: 'remote', parent: 'root', name: 'remote', start: -50, end: -20 },
      { id: 'inner', parent: 'remote', name: 'inner', start: -40, end: -30 },
      { id: 'local', parent: 'root', name: 'local', start: 60, end: 80 },
    ]);
    const { root, trace, orphans } = buildTrace(spans);
    expect(orphans).toEqual([]);
    expect(trace.spanCount).toBe(4);
    const [remote, local] = root.children;
    expect(remote!.name).toBe('remote');
    expect(remote!.clockSkewMs).toBeCloseTo(50, 9);
    expect(remote!.displayStartMs).toBeCloseTo(T0, 6);
    expect(remote!.displayEndMs).toBeCloseTo(T0 + 30, 6);
    expect(remote!.startMs).toBeCloseTo(T0 - 50, 6); // recorded times are kept
    expect(remote!.durationMs).toBeCloseTo(30, 9);
    const inner = remote!.children[0]!;
    expect(inner.clockSkewMs).toBeCloseTo(50, 9);
    expect(inner.displayStartMs).toBeCloseTo(T0 + 10, 6);
    expect(remote!.selfTimeMs).toBeCloseTo(20, 9);
    expect(local!.clockSkewMs).toBe(0);
    // root: 0..30 (remote, shifted) and 60..80 (local) covered → self 50.
    expect(root.selfTimeMs).toBeCloseTo(50, 9);
    // The trace's extent is the display extent: the skew does not stretch it.
    expect(trace.durationMs).toBeCloseTo(100, 9);
  });

  it('keeps orphans (missing parents) with their subtrees', () => {
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100 },
      { id: 'orphan', parent: 'missing', name: 'orphan', start: 10, end: 20 },
      { id: 'okid', parent: 'orphan', name: 'orphan-child', start: 12, end: 18 },
      { id: 'late', parent: 'gone', name: 'late', start: 5, end: 6 },
    ]);
    const { root, orphans, trace } = buildTrace(spans);
    expect(root.name).toBe('root');
    expect(orphans.map((o) => o.name)).toEqual(['late', 'orphan']);
    expect(orphans[1]!.children.map((c) => c.name)).toEqual(['orphan-child']);
    expect(orphans[1]!.parentSpanId).toBe(sid('missing'));
    expect(trace.spanCount).toBe(4);
    expect(trace.rootSpanId).toBe(sid('root'));
  });

  it('takes a lazytrace root under a parent never received as the root', () => {
    const spans = records([
      { id: 'early', parent: 'http', name: 'middleware', start: 0, end: 5 },
      { id: 'lt', parent: 'http', name: 'request', start: 1, end: 50, attrs: { 'lazytrace.root': true } },
    ]);
    const { root, orphans } = buildTrace(spans);
    expect(root.name).toBe('request');
    expect(orphans.map((o) => o.name)).toEqual(['middleware']);
  });

  it('survives parent cycles, duplicates and very deep chains', () => {
    const cyclic = records([
      { id: 'x', parent: 'y', name: 'x', start: 0, end: 1 },
      { id: 'y', parent: 'x', name: 'y', start: 0.5, end: 1 },
      { id: 'x', name: 'duplicate-of-x', start: 0, end: 1 },
    ]);
    const built = buildTrace(cyclic);
    expect(
      [built.root, ...built.orphans]
        .flatMap(flat)
        .map((n) => n.name)
        .sort(),
    ).toEqual(['x', 'y']);

    const deep = records(
      Array.from({ length: 20_000 }, (_, i) => ({
        id: `d${i}`,
        ...(i === 0 ? {} : { parent: `d${i - 1}` }),
        name: `n${i}`,
        start: i * 0.001,
        end: 100 - i * 0.001,
      })),
    );
    const big = buildTrace(deep, 'minimal');
    expect(big.trace.spanCount).toBe(20_000);
    expect(criticalPath(deep)).toHaveLength(20_000);
  });

  it('applies the detail levels', () => {
    const long = 'x'.repeat(600);
    const spans = records([
      {
        id: 'root',
        name: 'root',
        start: 0,
        end: 10,
        attrs: {
          'lazytrace.kind': 'llm',
          'lazytrace.input': long,
          'lazytrace.output': '"short"',
          'gen_ai.request.model': 'm',
          'gen_ai.usage.input_tokens': 3,
          'gen_ai.usage.output_tokens': 4,
        },
        events: [{ name: 'exception', at: 5, attrs: { 'exception.message': 'm' } }],
      },
    ]);
    const minimal = buildTrace(spans, 'minimal').root;
    expect([minimal.input, minimal.output, minimal.model, minimal.tokens]).toEqual([null, null, null, null]);
    expect(minimal.attributes).toEqual({});
    const standard = buildTrace(spans, 'standard').root;
    expect(standard.input).toHaveLength(500);
    expect(standard.input!.endsWith('…')).toBe(true);
    expect(standard.output).toBe('"short"');
    expect(standard.model).toBe('m');
    expect(standard.tokens).toEqual({ input: 3, output: 4, total: 7 });
    expect(standard.attributes).toEqual({});
    expect(standard.events).toEqual([]);
    const detailed = buildTrace(spans, 'detailed').root;
    expect(detailed.input).toBe(long);
    expect(detailed.attributes['gen_ai.request.model']).toBe('m');
    expect(detailed.events).toEqual([]);
    expect(detailed.resource).toBeUndefined();
    const debug = buildTrace(spans, 'debug').root;
    expect(debug.events.map((e) => e.name)).toEqual(['exception']);
    expect(debug.resource).toEqual({ 'service.name': 'demo' });
  });

  it('summarises: name, session, user, tags, previews, model, tokens without double counting, errors', () => {
    const ctx = {
      'session.id': 's1',
      'user.id': 'u1',
      'lazytrace.tags': ['a', 'b'],
      'lazytrace.trace.name': 'chat',
    };
    const spans = records([
      {
        id: 'root',
        name: 'pipeline',
        start: 0,
        end: 100,
        attrs: { ...ctx, 'lazytrace.input': '"hi"', 'lazytrace.output': '"yo"' },
      },
      {
        id: 'llm',
        parent: 'root',
        name: 'llm',
        start: 10,
        end: 60,
        attrs: {
          ...ctx,
          'lazytrace.kind': 'llm',
          'gen_ai.response.model': 'gpt-x',
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.usage.output_tokens': 5,
        },
      },
      // A wrapped client's generation under the llm module: its usage is the module's, not more.
      {
        id: 'client',
        parent: 'llm',
        name: 'chat gpt-x',
        start: 11,
        end: 59,
        attrs: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.usage.output_tokens': 5,
        },
      },
      {
        id: 'embed',
        parent: 'root',
        name: 'embed',
        start: 60,
        end: 70,
        attrs: {
          'lazytrace.kind': 'embedding',
          'gen_ai.request.model': 'emb',
          'gen_ai.usage.input_tokens': 7,
        },
      },
      { id: 'tool', parent: 'root', name: 'tool', start: 70, end: 80, error: 'nope' },
    ]);
    const summary = summarizeTrace(spans);
    expect(summary).toEqual({
      traceId: TRACE,
      name: 'chat',
      rootSpanId: sid('root'),
      startTime: new Date(T0).toISOString(),
      endTime: new Date(T0 + 100).toISOString(),
      startMs: T0,
      durationMs: 100,
      status: 'error',
      spanCount: 5,
      errorCount: 1,
      sessionId: 's1',
      userId: 'u1',
      tags: ['a', 'b'],
      input: '"hi"',
      output: '"yo"',
      model: 'gpt-x',
      tokens: { input: 17, output: 5, total: 22 },
      serviceName: 'demo',
    });
    expect(spans.find((s) => s.name === 'chat gpt-x')!.kind).toBe('llm');
    const breakdown = traceBreakdown(spans);
    expect(breakdown.spansByKind).toEqual({ span: 2, llm: 2, embedding: 1 });
    expect(breakdown.errors).toEqual([{ spanId: sid('tool'), name: 'tool', message: 'nope' }]);
    expect(breakdown.models.sort()).toEqual(['emb', 'gpt-x']);
    expect(breakdown.tokens).toEqual({ input: 17, output: 5, total: 22 });
  });

  it('reads GenAI and OpenInference content when lazytrace attributes are absent', () => {
    const spans = records([
      {
        id: 'oi',
        name: 'ChatCompletion',
        start: 0,
        end: 10,
        attrs: {
          'openinference.span.kind': 'LLM',
          'input.value': 'q',
          'output.value': 'a',
          'llm.model_name': 'm',
        },
      },
      {
        id: 'ga',
        parent: 'oi',
        name: 'chat m',
        start: 1,
        end: 9,
        attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': [{ role: 'user', content: 'q' }] },
      },
    ]);
    const { root } = buildTrace(spans);
    expect([root.kind, root.input, root.output, root.model]).toEqual(['llm', 'q', 'a', 'm']);
    // A root without content (an HTTP server span) shows its request's first input and last output.
    const http = records([
      { id: 'http', name: 'POST /ask', start: 0, end: 100 },
      {
        id: 'q',
        parent: 'http',
        name: 'rewrite',
        start: 5,
        end: 20,
        attrs: { 'input.value': 'first', 'output.value': 'mid' },
      },
      {
        id: 'a',
        parent: 'http',
        name: 'answer',
        start: 20,
        end: 90,
        attrs: { 'input.value': 'mid', 'output.value': 'last' },
      },
    ]);
    expect(summarizeTrace(http)).toMatchObject({ name: 'POST /ask', input: 'first', output: 'last' });
    expect(root.children[0]!.input).toBe('[{"role":"user","content":"q"}]');
  });

  it('groups spans by trace in first-seen order', () => {
    const spans = [
      ...records([{ trace: 'b'.repeat(32), id: 'x', name: 'x', start: 0, end: 1 }]),
      ...records([{ id: 'y', name: 'y', start: 0, end: 1 }]),
      ...records([{ trace: 'b'.repeat(32), id: 'z', name: 'z', start: 0, end: 1 }]),
    ];
    const groups = groupByTrace(spans);
    expect([...groups.keys()]).toEqual(['b'.repeat(32), TRACE]);
    expect(groups.get('b'.repeat(32))!.map((s) => s.name)).toEqual(['x', 'z']);
  });
});

describe('criticalPath', () => {
  it('follows the last-finishing child back in time, skipping overlapped work', () => {
    // root 0..100: a 0..30, b 20..90 (overlaps a), c 5..15 (inside a's time, off the path).
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100 },
      { id: 'a', parent: 'root', name: 'a', start: 0, end: 30 },
      { id: 'b', parent: 'root', name: 'b', start: 20, end: 90 },
      { id: 'c', parent: 'root', name: 'c', start: 5, end: 15 },
      { id: 'b1', parent: 'b', name: 'b1', start: 40, end: 80 },
    ]);
    expect(criticalPath(spans)).toEqual([sid('root'), sid('a'), sid('b'), sid('b1')]);
  });

  it('takes only the longer of two parallel branches', () => {
    const spans = records([
      { id: 'root', name: 'root', start: 0, end: 100 },
      { id: 'fast', parent: 'root', name: 'fast', start: 0, end: 60 },
      { id: 'slow', parent: 'root', name: 'slow', start: 0, end: 100 },
    ]);
    expect(criticalPath(spans)).toEqual([sid('root'), sid('slow')]);
    expect(criticalPath([])).toEqual([]);
  });
});

/**
 * Found by trying part 2 as a user does (clean clone, demo, CLI, service, viewer): the shapes of
 * DESIGN.md part 2 that a request list and a span's detail show.
 */
import { describe, expect, it } from 'vitest';
import { analyzeTrace } from './analysis.js';
import { buildTrace, summarizeTrace } from './build.js';
import { records, sid, T0 } from './testing/fixtures.js';

// A pipeline whose third step throws: steps a and b produced outputs, the request produced none.
const failedPipeline = () =>
  records([
    {
      id: 'root',
      name: 'Pipeline',
      start: 0,
      end: 50,
      attrs: { 'lazytrace.kind': 'flow', 'lazytrace.input': '"please fail 24"' },
      error: 'tool broke',
    },
    {
      id: 'a',
      parent: 'root',
      name: 'a',
      start: 0,
      end: 20,
      attrs: { 'lazytrace.kind': 'llm', 'lazytrace.input': '"please fail 24"', 'lazytrace.output': '"A"' },
    },
    {
      id: 'b',
      parent: 'root',
      name: 'b',
      start: 20,
      end: 40,
      attrs: { 'lazytrace.kind': 'llm', 'lazytrace.input': '"A"', 'lazytrace.output': '"B"' },
    },
    {
      id: 'tool',
      parent: 'root',
      name: 'tool',
      start: 40,
      end: 50,
      attrs: { 'lazytrace.kind': 'tool', 'lazytrace.input': '"B"' },
      error: 'tool broke',
      events: [
        {
          name: 'exception',
          at: 49.5,
          attrs: { 'exception.type': 'TypeError', 'exception.message': 'tool broke' },
        },
      ],
    },
  ]);

describe('TraceSummary of a failed request', () => {
  it('shows no output: a request that threw returned nothing, whatever a step before produced', () => {
    const summary = summarizeTrace(failedPipeline());
    expect(summary.status).toBe('error');
    expect(summary.input).toBe('"please fail 24"');
    expect(summary.output).toBeNull();
  });

  it('still borrows the last output when the root records no content (a plain OTel server span)', () => {
    const spans = records([
      { id: 'http', name: 'GET /chat', start: 0, end: 30 },
      {
        id: 'llm',
        parent: 'http',
        name: 'llm',
        start: 5,
        end: 25,
        attrs: { 'lazytrace.input': '"hi"', 'lazytrace.output': '"hello"' },
      },
    ]);
    const summary = summarizeTrace(spans);
    expect(summary.input).toBe('"hi"');
    expect(summary.output).toBe('"hello"');
  });

  it('does not invent an output for a root that recorded its input but returned nothing', () => {
    const spans = records([
      { id: 'root', name: 'flow', start: 0, end: 30, attrs: { 'lazytrace.input': '"q"' } },
      {
        id: 'step',
        parent: 'root',
        name: 'step',
        start: 5,
        end: 25,
        attrs: { 'lazytrace.output': '"partial"' },
      },
    ]);
    expect(summarizeTrace(spans).output).toBeNull();
  });
});

describe('SpanNode events', () => {
  it('carry their time as an ISO string, like every time of the API', () => {
    const { root } = buildTrace(failedPipeline(), 'debug');
    const tool = root.children.find((c) => c.name === 'tool')!;
    expect(tool.events).toHaveLength(1);
    expect(tool.events[0]!.time).toBe(new Date(T0 + 49.5).toISOString());
    expect(tool.events[0]!.name).toBe('exception');
  });
});

describe('parallelize-siblings', () => {
  // Two instances of one retriever class (same span name), each asked the same query in turn,
  // answering differently: independent work run one after another.
  const search = (id: string, start: number, end: number, output: string) => ({
    id,
    parent: 'root',
    name: 'Search',
    start,
    end,
    attrs: { 'lazytrace.kind': 'retriever', 'lazytrace.input': '"tides"', 'lazytrace.output': output },
  });

  it('recommends parallel() for two same-named retrievers that answered differently', () => {
    const spans = records([
      { id: 'root', name: 'Both', start: 0, end: 75, attrs: { 'lazytrace.input': '"tides"' } },
      search('web', 1, 32, '["web:tides"]'),
      search('kb', 33, 74, '["kb:tides"]'),
    ]);
    const recs = analyzeTrace(spans).recommendations.filter((r) => r.rule === 'parallelize-siblings');
    expect(recs).toHaveLength(1);
    expect(recs[0]!.spanIds).toEqual([sid('web'), sid('kb')]);
    expect(recs[0]!.estimatedSavingMs).toBeCloseTo(31, 6);
  });

  it('still treats the same call with the same input and the same answer as a repeat', () => {
    const spans = records([
      { id: 'root', name: 'Both', start: 0, end: 75 },
      search('first', 1, 32, '["doc"]'),
      search('again', 33, 74, '["doc"]'),
    ]);
    expect(analyzeTrace(spans).recommendations.filter((r) => r.rule === 'parallelize-siblings')).toEqual([]);
  });
});

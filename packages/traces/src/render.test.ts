import { describe, expect, it } from 'vitest';
import { buildTrace } from './build.js';
import { renderTraceTree } from './render.js';
import { records, TRACE } from './testing/fixtures.js';

const spans = records([
  {
    id: 'root',
    name: 'request',
    start: 0,
    end: 1500,
    attrs: {
      'lazytrace.kind': 'flow',
      'session.id': 's-1',
      'user.id': 'u-1',
      'lazytrace.tags': ['t'],
      'lazytrace.input': 'what is\n  up',
    },
    error: 'tool exploded',
  },
  {
    id: 'search',
    parent: 'root',
    name: 'search',
    start: 0,
    end: 40,
    attrs: { 'lazytrace.kind': 'retriever', 'lazytrace.documents.count': 2, 'lazytrace.output': '["a","b"]' },
  },
  {
    id: 'llm',
    parent: 'root',
    name: 'llm',
    start: 40,
    end: 1400,
    attrs: {
      'lazytrace.kind': 'llm',
      'gen_ai.response.model': 'gpt-x',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'lazytrace.stream': true,
      'lazytrace.stream.chunks': 4,
      'lazytrace.stream.time_to_first_chunk_ms': 0.5,
    },
    events: [{ name: 'first chunk', at: 40.5 }],
  },
  { id: 'part', parent: 'llm', name: 'part', start: 50, end: 50.25 },
  {
    id: 'fail',
    parent: 'root',
    name: 'fail',
    start: 1400,
    end: 1500,
    attrs: { 'lazytrace.kind': 'tool' },
    error: 'tool exploded',
  },
]);

describe('renderTraceTree', () => {
  it('prints one indented tree: name, kind, duration, status, model, tokens, stream, IO', () => {
    expect(renderTraceTree(spans)).toBe(
      [
        `── trace ${TRACE}  session=s-1  user=u-1  tags=t`,
        'request  flow  1.50s  ✗ tool exploded  in: what is up',
        '├─ search  retriever  40.0ms  ✓  2 docs  out: ["a","b"]',
        '├─ llm  llm  1.36s  ✓  gpt-x  tokens 12→3  stream 4 chunks, first after 500µs',
        '│  └─ part  span  250µs  ✓',
        '└─ fail  tool  100.0ms  ✗ tool exploded',
        '',
      ].join('\n'),
    );
  });

  it('minimal hides IO; width cuts lines; colour only when asked', () => {
    const minimal = renderTraceTree(spans, { level: 'minimal' });
    expect(minimal).not.toContain('in: ');
    const narrow = renderTraceTree(spans, { width: 30 });
    for (const line of narrow.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(30);
    expect(narrow.split('\n')[1]).toBe('request  flow  1.50s  ✗ tool …');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes
    expect(renderTraceTree(spans)).not.toMatch(/\u001b\[/);
    expect(renderTraceTree(spans, { color: true })).toContain('\u001b[1mrequest\u001b[22m');
    expect(renderTraceTree(spans, { contentChars: 5 })).toContain('in: what…');
  });

  it('detailed adds attribute lines, debug the events; a BuiltTrace renders what its level kept', () => {
    const detailed = renderTraceTree(spans, { level: 'detailed' });
    expect(detailed).toContain('│  session.id=s-1');
    expect(detailed).toContain('│  │  gen_ai.response.model=gpt-x');
    expect(detailed).not.toContain('• first chunk');
    expect(renderTraceTree(spans, { level: 'debug' })).toContain('│  │  • first chunk +500µs');
    const standard = renderTraceTree(buildTrace(spans, 'standard'));
    expect(standard).toContain('gpt-x  tokens 12→3');
    expect(standard).not.toContain('stream 4 chunks');
  });

  it('lists orphans after the root and renders several traces', () => {
    const withOrphan = [
      ...spans,
      ...records([{ id: 'lost', parent: 'nowhere', name: 'lost', start: 10, end: 20 }]),
      ...records([{ trace: 'b'.repeat(32), id: 'x', name: 'other', start: 0, end: 1 }]),
    ];
    const text = renderTraceTree(withOrphan, { level: 'minimal' });
    const traces = text.split('\n\n');
    expect(traces).toHaveLength(2);
    expect(traces[0]).toContain(
      '── 1 orphan span tree(s): their parent was not received\nlost  span  10.0ms  ✓',
    );
    expect(traces[1]).toBe(`── trace ${'b'.repeat(32)}\nother  span  1.0ms  ✓\n`);
  });
});

/**
 * Found by trying part 2 as a user does: `lazytrace export-html` then opening a trace in the report.
 * Its "Analysis" tab showed the whole file's recommendations and errors (other traces' evidence)
 * and no bottlenecks, while the service's `GET /api/traces/:id/analysis` showed the trace's own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTrace, readOtlpJson } from '@lazytrace/traces';
import { beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../packages/traces/src/testing/fixtures.js';
import { lazytrace, spawnLazytrace, tempDir } from './support.js';

const A = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0';
const B = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';
const llm = (input: string) => ({
  'lazytrace.kind': 'llm',
  'gen_ai.request.model': 'gpt-test',
  'lazytrace.input': input,
  'lazytrace.output': '"ok"',
});

// Trace A asks the model the same question twice (a cache recommendation); trace B once.
const lines = [
  request([
    { trace: A, id: 'ra', name: 'repeat', start: 0, end: 100, attrs: { 'lazytrace.kind': 'flow' } },
    { trace: A, id: 'a1', parent: 'ra', name: 'ask', start: 0, end: 50, attrs: llm('"same"') },
    { trace: A, id: 'a2', parent: 'ra', name: 'ask', start: 50, end: 100, attrs: llm('"same"') },
  ]),
  request([
    { trace: B, id: 'rb', name: 'once', start: 200, end: 260, attrs: { 'lazytrace.kind': 'flow' } },
    { trace: B, id: 'b1', parent: 'rb', name: 'ask', start: 200, end: 250, attrs: llm('"other"') },
  ]),
];

interface Embedded {
  traces: { trace: { traceId: string }; analysis?: { recommendations: unknown[]; bottlenecks: unknown[] } }[];
}

let dir: string;
let file: string;
beforeAll(() => {
  dir = tempDir();
  file = join(dir, 'two.jsonl');
  writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
});

describe('lazytrace export-html: each trace page shows its own analysis', () => {
  it('embeds, per trace, the Analysis that GET /api/traces/:id/analysis answers', async () => {
    const out = join(dir, 'report.html');
    const result = await lazytrace(['export-html', file, '-o', out]);
    expect(result.code, result.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    const json = /<script id="lazytrace-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
    expect(json).toBeDefined();
    const data = JSON.parse(json!) as Embedded;
    const spans = readOtlpJson(lines.map((l) => JSON.stringify(l)).join('\n')).spans;
    for (const id of [A, B]) {
      const embedded = data.traces.find((t) => t.trace.traceId === id)!;
      expect(embedded.analysis).toEqual(analyzeTrace(spans.filter((s) => s.traceId === id)));
    }
    const b = data.traces.find((t) => t.trace.traceId === B)!.analysis!;
    // B never repeated an input: A's cache recommendation is not B's; B has its own bottlenecks.
    expect(b.recommendations).toEqual([]);
    expect(b.bottlenecks.length).toBeGreaterThan(0);
    const a = data.traces.find((t) => t.trace.traceId === A)!.analysis!;
    expect(a.recommendations).toMatchObject([{ rule: 'cache-repeated-llm-input' }]);
  });
});

/**
 * `pnpm demo` prints `rag flow … stream 45 chunks, first after 18.8ms` and `dense retriever … 3 docs`
 * (the console backend); `lazytrace show` right after printed the same tree without them: it built
 * the trace at the `standard` level, which keeps no attributes.
 */
describe('lazytrace show prints the tree the console backend printed', () => {
  it('with the stream chunks, the time to first chunk and the document count', async () => {
    const C = 'c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1';
    const demo = join(dir, 'demo.jsonl');
    const spans = request([
      { trace: C, id: 'rag', name: 'rag', start: 0, end: 200, attrs: { 'lazytrace.kind': 'flow' } },
      {
        trace: C,
        id: 'dense',
        parent: 'rag',
        name: 'dense',
        start: 0,
        end: 12,
        attrs: { 'lazytrace.kind': 'retriever', 'lazytrace.documents.count': 3 },
      },
      {
        trace: C,
        id: 'llm',
        parent: 'rag',
        name: 'llm',
        start: 12,
        end: 200,
        attrs: {
          ...llm('"prompt"'),
          'lazytrace.stream': true,
          'lazytrace.stream.chunks': 45,
          'lazytrace.stream.time_to_first_chunk_ms': 18.8,
        },
      },
    ]);
    writeFileSync(demo, `${JSON.stringify(spans)}\n`);
    const shown = await lazytrace(['show', demo]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/dense {2}retriever {2}12\.0ms {2}✓ {2}3 docs/);
    expect(shown.stdout).toContain('stream 45 chunks, first after 18.8ms');
    // The level still decides the rest: no attribute lines at standard, no previews at minimal.
    expect(shown.stdout).not.toContain('lazytrace.stream.chunks=');
    const minimal = await lazytrace(['show', demo, '--level', 'minimal']);
    expect(minimal.stdout).not.toContain('in:');
    const one = await lazytrace(['show', demo, '--trace', C]);
    expect(one.stdout).toContain('stream 45 chunks, first after 18.8ms');
  });
});

/** `lazytrace serve tarces.jsonl` (a typo) started an empty service and said nothing about the file. */
describe('lazytrace serve names a file it follows that does not exist', () => {
  it('says so on stderr, and still serves (the file is imported when it appears)', async () => {
    const missing = join(dir, 'tarces.jsonl');
    const serve = spawnLazytrace(['serve', missing, '--port', '0', '--db', ':memory:', '--json']);
    try {
      await serve.waitFor(/\{"url".*\}/, { timeoutMs: 30_000 });
      await serve.waitFor(/does not exist yet/, { stream: 'stderr', timeoutMs: 5_000 });
      expect(serve.stderr).toContain(missing);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    const present = spawnLazytrace(['serve', file, '--port', '0', '--db', ':memory:', '--json']);
    try {
      await present.waitFor(/\{"url".*\}/, { timeoutMs: 30_000 });
      expect(present.stderr).not.toContain('does not exist');
    } finally {
      expect(await present.stop()).toBe(0);
    }
  });
});

/**
 * @lazytrace/traces figures: reading 100,000 spans of OTLP-JSON lines (as the file backend writes
 * them), building and analysing the traces, writing them back. Prints a table; asserts nothing.
 *
 *   node --import tsx bench/traces-read.ts [spans]     (default 100000)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyzeTrace,
  analyzeTraces,
  buildTrace,
  computeStats,
  groupByTrace,
  readOtlpJson,
  readOtlpJsonFile,
  type SpanRecord,
  summarizeTrace,
  toOtlpJsonLines,
} from '../packages/traces/src/index.js';

const SPANS = Number(process.argv[2] ?? 100_000);
const PER_TRACE = 20;
const PER_LINE = 512;
const ROUNDS = 3;

const kv = (key: string, value: unknown) => ({
  key,
  value:
    typeof value === 'string'
      ? { stringValue: value }
      : typeof value === 'boolean'
        ? { boolValue: value }
        : Number.isInteger(value)
          ? { intValue: String(value) }
          : { doubleValue: value },
});

/** A RAG-shaped trace: root flow, retrievers in parallel, an LLM call, tools. */
function traceSpans(t: number): object[] {
  const traceId = (t + 1).toString(16).padStart(32, '0');
  const base = 1_700_000_000_000_000_000n + BigInt(t) * 1_000_000_000n;
  const spans: object[] = [];
  for (let i = 0; i < PER_TRACE; i++) {
    const start = base + BigInt(i * 1_000_000);
    const end =
      i === 0 ? base + BigInt(PER_TRACE * 2_000_000) : start + BigInt(1_500_000 + (i % 5) * 100_000);
    const kind = i === 0 ? 'flow' : i % 7 === 0 ? 'llm' : i % 3 === 0 ? 'tool' : 'retriever';
    const attributes = [
      kv('lazytrace.kind', kind),
      kv('lazytrace.trace.name', 'rag'),
      kv('session.id', `s-${t % 500}`),
      kv('user.id', `u-${t % 50}`),
      kv(
        'lazytrace.input',
        JSON.stringify({ question: `question ${t} about topic ${i}`, k: 5 }).padEnd(200, ' '),
      ),
      kv('lazytrace.output', JSON.stringify([`doc ${t}-${i}`, 'another document text']).padEnd(200, ' ')),
    ];
    if (kind === 'llm')
      attributes.push(
        kv('gen_ai.request.model', 'gpt-x'),
        kv('gen_ai.usage.input_tokens', 1200),
        kv('gen_ai.usage.output_tokens', 300),
      );
    spans.push({
      traceId,
      spanId: (t * PER_TRACE + i + 1).toString(16).padStart(16, '0'),
      ...(i === 0 ? {} : { parentSpanId: (t * PER_TRACE + 1).toString(16).padStart(16, '0') }),
      name: i === 0 ? 'rag' : `${kind}-${i % 4}`,
      kind: 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: end.toString(),
      attributes,
      events: [],
      status: { code: i % 50 === 13 ? 2 : 0, ...(i % 50 === 13 ? { message: `timeout after ${t} ms` } : {}) },
    });
  }
  return spans;
}

function fixture(): string {
  const lines: string[] = [];
  let pending: object[] = [];
  const flush = () => {
    lines.push(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [kv('service.name', 'bench')] },
            scopeSpans: [{ scope: { name: 'lazytrace', version: '0.1.0' }, spans: pending }],
          },
        ],
      }),
    );
    pending = [];
  };
  for (let t = 0; t < SPANS / PER_TRACE; t++) {
    for (const span of traceSpans(t)) {
      pending.push(span);
      if (pending.length === PER_LINE) flush();
    }
  }
  if (pending.length > 0) flush();
  return `${lines.join('\n')}\n`;
}

async function time<T>(run: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const times: number[] = [];
  let value: T | undefined;
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    value = await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(ROUNDS / 2)]!, value: value as T };
}

const rows: [string, string, string][] = [];
function row(what: string, ms: number, count: number, unit: string): void {
  rows.push([
    what,
    `${ms.toFixed(0)} ms`,
    `${Math.round((count / ms) * 1000).toLocaleString('en')} ${unit}/s`,
  ]);
}

async function main(): Promise<void> {
  const text = fixture();
  const dir = mkdtempSync(join(tmpdir(), 'lazytrace-bench-'));
  const path = join(dir, 'traces.jsonl');
  writeFileSync(path, text);
  try {
    const read = await time(() => readOtlpJson(text));
    const spans = read.value.spans;
    if (spans.length !== SPANS) throw new Error(`read ${spans.length} spans, expected ${SPANS}`);
    row(`readOtlpJson (${(text.length / 1e6).toFixed(0)} MB text)`, read.ms, SPANS, 'spans');

    const file = await time(() => readOtlpJsonFile(path, { onSpans: () => undefined }));
    row('readOtlpJsonFile (streaming, spans not kept)', file.ms, file.value.spanCount, 'spans');

    const grouped = await time(() => groupByTrace(spans));
    const traces = [...grouped.value.values()];
    row(`groupByTrace (${traces.length} traces)`, grouped.ms, SPANS, 'spans');

    const built = await time(() => traces.map((t) => buildTrace(t, 'standard')));
    row('buildTrace standard, every trace', built.ms, SPANS, 'spans');

    const summaries = await time(() => traces.map((t) => summarizeTrace(t)));
    row('summarizeTrace, every trace', summaries.ms, SPANS, 'spans');

    const analysis = await time(() => analyzeTraces(traces));
    row('analyzeTraces, all at once', analysis.ms, SPANS, 'spans');

    const stats = await time(() => computeStats(summaries.value, { groupBy: 'name' }));
    row('computeStats over the summaries', stats.ms, summaries.value.length, 'traces');

    const spanStats = await time(() => computeStats(spans, { groupBy: 'kind' }));
    row('computeStats over the spans, by kind', spanStats.ms, SPANS, 'spans');

    const written = await time(() => toOtlpJsonLines(spans));
    row('toOtlpJsonLines', written.ms, SPANS, 'spans');

    // One big trace: 10,000 spans under one root, ten levels of fan-out.
    const big: SpanRecord[] = spans.slice(0, 10_000).map((s, i) => ({
      ...s,
      traceId: 'f'.repeat(32),
      ...(i === 0 ? { parentSpanId: undefined } : { parentSpanId: spans[Math.floor((i - 1) / 10)]!.spanId }),
    }));
    const one = await time(() => {
      const b = buildTrace(big, 'standard');
      const a = analyzeTrace(big);
      return [b, a] as const;
    });
    row('one 10,000-span trace: build + analyze', one.ms, 10_000, 'spans');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(
    `@lazytrace/traces, ${SPANS.toLocaleString('en')} spans, median of ${ROUNDS} rounds, node ${process.version}`,
  );
  for (const [what, ms, rate] of rows)
    console.log(`${what.padEnd(width)}  ${ms.padStart(8)}  ${rate.padStart(18)}`);
}

await main();

import {
  computeStats,
  groupByTrace,
  readOtlpJsonFile,
  type SpanRecord,
  type StatsFigures,
  type StatsGroupBy,
  type StatsResult,
  summarizeTrace,
} from '@lazytrace/traces';
import { Option } from 'commander';
import { Output } from '../io.js';
import { failIfUnreadable, reportProblems } from '../reading.js';
import { formatMs } from '../util/duration.js';
import { existingTraceFile } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface StatsOptions {
  by?: StatsGroupBy;
  json?: boolean;
}

/** Attributes no statistic reads and that make up most of a span's size. */
const HEAVY_ATTRIBUTES = new Set([
  'lazytrace.input',
  'lazytrace.output',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
]);

function hasHeavy(attributes: Record<string, unknown>): boolean {
  for (const key of HEAVY_ATTRIBUTES) if (key in attributes) return true;
  return false;
}

function withoutHeavy(attributes: Record<string, unknown>): Record<string, unknown> {
  const slim: Record<string, unknown> = {};
  for (const key in attributes) if (!HEAVY_ATTRIBUTES.has(key)) slim[key] = attributes[key];
  return slim;
}

export const registerStats: RegisterCommand = (program, ctx) => {
  program
    .command('stats')
    .summary('counts, error rate, latency percentiles, tokens and a histogram')
    .description(
      'Statistics over a trace file: per request (trace) by default, or per span grouped --by name, ' +
        'kind or model: count, error rate, p50/p90/p95/p99, tokens and a latency histogram.',
    )
    .argument('[file]', 'OTLP-JSON lines file (default: LAZYTRACE_FILE or .lazytrace/traces.jsonl)')
    .addOption(
      new Option('--by <field>', 'group spans by span name, kind or model').choices([
        'name',
        'kind',
        'model',
      ]),
    )
    .option('--json', 'print the StatsResult object (the shape of GET /api/stats)')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace stats\n  lazytrace stats --by kind\n  lazytrace stats app.jsonl --by model --json',
    )
    .action(async (file: string | undefined, options: StatsOptions) => {
      const out = new Output(ctx.io, options.json);
      const path = existingTraceFile(ctx.io, file);
      const spans: SpanRecord[] = [];
      const { problems } = await readOtlpJsonFile(path, {
        onSpans: (batch) => {
          for (const span of batch) {
            // Streaming keeps the file's text out of memory; dropping the captured content keeps
            // 100,000 spans small too (a copy without it: `delete` would be slower, and leave
            // the objects in dictionary mode).
            if (hasHeavy(span.attributes)) span.attributes = withoutHeavy(span.attributes);
            if (span.events.length > 0) span.events = [];
            spans.push(span);
          }
        },
      });
      reportProblems(out, path, problems);
      failIfUnreadable(path, spans.length, problems);
      const traces = [...groupByTrace(spans).values()].map((traceSpans) => summarizeTrace(traceSpans));
      const result =
        options.by === undefined ? computeStats(traces) : computeStats(spans, { groupBy: options.by });
      if (options.json) {
        out.printJson({ file: path, traceCount: traces.length, spanCount: spans.length, ...result });
        return;
      }
      printStats(out, path, traces.length, spans.length, result);
    });
};

function printStats(
  out: Output,
  path: string,
  traceCount: number,
  spanCount: number,
  result: StatsResult,
): void {
  const c = out.color;
  out.line(
    `${c.bold(path)}: ${traceCount.toLocaleString('en-US')} traces, ${spanCount.toLocaleString('en-US')} spans`,
  );
  out.line();
  const header = ['', 'count', 'errors', 'p50', 'p90', 'p95', 'p99', 'max', 'tokens in', 'tokens out'];
  const rows: string[][] = [row(result.groupBy === undefined ? 'requests' : 'all spans', result)];
  for (const group of result.groups ?? []) rows.push(row(group.key, group));
  out.line(table(header, rows, out));
  if (result.histogram.length > 0 && result.count > 0) {
    out.line();
    out.line(c.bold(result.groupBy === undefined ? 'request latency' : 'span latency'));
    const peak = Math.max(...result.histogram.map((b) => b.count));
    const labels = result.histogram.map((b) => `${formatMs(b.startMs)}–${formatMs(b.endMs)}`);
    const width = Math.max(...labels.map((l) => l.length));
    result.histogram.forEach((bucket, i) => {
      const bar = '█'.repeat(peak === 0 ? 0 : Math.round((bucket.count / peak) * 40));
      const marks = [
        ['p50', result.p50],
        ['p90', result.p90],
        ['p99', result.p99],
      ]
        .filter(([, v]) => (v as number) >= bucket.startMs && (v as number) < bucket.endMs)
        .map(([k]) => k)
        .join(' ');
      out.line(
        `${labels[i]!.padStart(width)} ${c.cyan(bar)} ${bucket.count}${marks ? c.dim(`  ← ${marks}`) : ''}`,
      );
    });
  }
}

function row(label: string, f: StatsFigures): string[] {
  return [
    label,
    String(f.count),
    f.errorCount === 0 ? '0' : `${f.errorCount} (${(f.errorRate * 100).toFixed(1)}%)`,
    formatMs(f.p50),
    formatMs(f.p90),
    formatMs(f.p95),
    formatMs(f.p99),
    formatMs(f.maxMs),
    String(f.tokens.input),
    String(f.tokens.output),
  ];
}

function table(header: string[], rows: string[][], out: Output): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [out.color.dim(format(header)), ...rows.map(format)].join('\n');
}

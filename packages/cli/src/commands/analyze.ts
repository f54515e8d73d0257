import { type Analysis, analyzeTrace, analyzeTraces, groupByTrace, type SpanRecord } from '@lazytrace/traces';
import { Output } from '../io.js';
import { parseTraceId, readAllSpans, readTrace } from '../reading.js';
import { formatMs } from '../util/duration.js';
import { durationMs } from '../util/options.js';
import { existingTraceFile } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface AnalyzeOptions {
  trace?: string;
  slow?: number;
  json?: boolean;
}

export const registerAnalyze: RegisterCommand = (program, ctx) => {
  program
    .command('analyze')
    .summary('bottlenecks, critical path, error clusters, slow requests and recommendations')
    .description(
      'Analyse one trace (--trace) or every trace of a file: bottlenecks by critical-path share and ' +
        'self time, the critical path, errors clustered by span, type and message, slow requests ' +
        '(above p95 or --slow) with their dominant span, and recommendations with estimated savings.',
    )
    .argument('[file]', 'OTLP-JSON lines file (default: LAZYTRACE_FILE or .lazytrace/traces.jsonl)')
    .option('-t, --trace <id>', 'analyse this trace only (32 hex digits, or a unique prefix)')
    .option(
      '--slow <duration>',
      'a request at least this long is slow (default: above the p95)',
      durationMs('--slow'),
    )
    .option('--json', 'print the Analysis object (the shape of GET /api/analysis)')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace analyze\n  lazytrace analyze --slow 2s\n  lazytrace analyze --trace 4bf92f35 --json',
    )
    .action(async (file: string | undefined, options: AnalyzeOptions) => {
      const out = new Output(ctx.io, options.json);
      const path = existingTraceFile(ctx.io, file);
      const analysisOptions = options.slow === undefined ? {} : { slowThresholdMs: options.slow };
      let spans: SpanRecord[];
      let analysis: Analysis;
      if (options.trace !== undefined) {
        spans = await readTrace(out, path, parseTraceId(options.trace));
        analysis = analyzeTrace(spans, analysisOptions);
      } else {
        spans = await readAllSpans(out, path);
        analysis = analyzeTraces([...groupByTrace(spans).values()], analysisOptions);
      }
      if (options.json) out.printJson(analysis);
      else printAnalysis(out, analysis, spans);
    });
};

function printAnalysis(out: Output, a: Analysis, spans: readonly SpanRecord[]): void {
  const c = out.color;
  const names = new Map(spans.map((s) => [s.spanId, s.name]));
  const name = (id: string) => names.get(id) ?? id.slice(0, 8);
  const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
  out.line(c.bold(`${a.traceCount} trace(s), ${a.spanCount} spans, ${formatMs(a.totalDurationMs)} in all`));
  if (a.criticalPath.length > 0) {
    out.line();
    out.line(c.bold(a.traceCount > 1 ? 'Critical path of the slowest trace' : 'Critical path'));
    out.line(`  ${a.criticalPath.map(name).join(c.dim(' → '))}`);
  }
  if (a.bottlenecks.length > 0) {
    out.line();
    out.line(c.bold('Bottlenecks'));
    for (const b of a.bottlenecks.slice(0, 10)) {
      out.line(
        `  ${b.name} ${c.dim(`(${b.kind}, ${b.count}×)`)}  critical path ${formatMs(b.criticalPathMs)} ${c.dim(pct(b.criticalPathShare))}  self ${formatMs(b.selfTimeMs)} ${c.dim(pct(b.selfTimeShare))}`,
      );
    }
  }
  if (a.errors.length > 0) {
    out.line();
    out.line(c.bold(c.red('Errors')));
    for (const e of a.errors.slice(0, 10)) {
      out.line(
        `  ${c.red(`${e.count}×`)} ${e.name}${e.errorType ? ` ${e.errorType}` : ''}: ${e.example ?? e.message}`,
      );
    }
  }
  if (a.slowTraces.length > 0) {
    out.line();
    out.line(c.bold('Slow requests'));
    for (const s of a.slowTraces.slice(0, 10)) {
      const dominant = s.dominantSpan
        ? c.dim(`  mostly ${s.dominantSpan.name} (${s.dominantSpan.kind}, ${pct(s.dominantSpan.share)})`)
        : '';
      out.line(
        `  ${s.traceId}  ${s.name}  ${c.yellow(formatMs(s.durationMs))} ${c.dim(`≥ ${formatMs(s.thresholdMs)}`)}${dominant}`,
      );
    }
  }
  out.line();
  if (a.recommendations.length === 0) {
    out.line(c.green('No recommendations.'));
    return;
  }
  out.line(c.bold('Recommendations'));
  for (const r of a.recommendations) {
    const saving = r.estimatedSavingMs > 0 ? c.green(` (saves ~${formatMs(r.estimatedSavingMs)})`) : '';
    out.line(`  ${c.cyan(`[${r.rule}]`)} ${r.message}${saving}`);
    if (r.spanIds.length > 0)
      out.line(
        c.dim(`    spans: ${r.spanIds.slice(0, 5).map(name).join(', ')}${r.spanIds.length > 5 ? ', …' : ''}`),
      );
  }
}

import {
  buildTrace,
  DETAIL_LEVELS,
  type DetailLevel,
  readOtlpJsonFile,
  type SpanRecord,
} from '@lazytrace/traces';
import { Option } from 'commander';
import { Output } from '../io.js';
import { collectTraces, failIfUnreadable, parseTraceId, readTrace, reportProblems } from '../reading.js';
import { renderSpans } from '../render.js';
import { positiveInt } from '../util/options.js';
import { existingTraceFile } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface ShowOptions {
  trace?: string;
  last: number;
  level: DetailLevel;
  json?: boolean;
}

export const registerShow: RegisterCommand = (program, ctx) => {
  program
    .command('show')
    .summary('print trace trees from a trace file')
    .description(
      'Print trace trees (names, kinds, durations, status, input/output previews) from an OTLP-JSON ' +
        'trace file: one trace with --trace, else the latest --last N traces, oldest first.',
    )
    .argument('[file]', 'OTLP-JSON lines file (default: LAZYTRACE_FILE or .lazytrace/traces.jsonl)')
    .option('-t, --trace <id>', 'the trace to show: 32 hex digits, or a unique prefix of at least 4')
    .option('-n, --last <n>', 'how many of the latest traces to show', positiveInt('--last'), 10)
    .addOption(
      new Option(
        '-l, --level <level>',
        'how much of each span: IO previews from standard, attributes from detailed, events from debug',
      )
        .choices(DETAIL_LEVELS)
        .default('standard'),
    )
    .option('--json', 'print { trace, root, orphans } objects (the HTTP API shape) instead of trees')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace show\n  lazytrace show --last 3 --level minimal\n  lazytrace show app.jsonl --trace 4bf92f35 --json',
    )
    .action(async (file: string | undefined, options: ShowOptions) => {
      const out = new Output(ctx.io, options.json);
      const path = existingTraceFile(ctx.io, file);
      if (options.trace !== undefined) {
        const spans = await readTrace(out, path, parseTraceId(options.trace));
        if (options.json) out.printJson(buildTrace(spans, options.level));
        else out.line(renderSpans(out, spans, options.level));
        return;
      }
      const { traces, total } = await latestTraces(out, path, options.last);
      if (options.json) {
        out.printJson({ traces: traces.map((spans) => buildTrace(spans, options.level)) });
        return;
      }
      if (traces.length === 0) {
        out.note(`no traces in ${path}`);
        return;
      }
      out.line(traces.map((spans) => renderSpans(out, spans, options.level)).join('\n\n'));
      if (total > traces.length) {
        out.note(
          out.errColor.dim(
            `the latest ${traces.length} of ${total} traces (--last N for more, --trace ID for one)`,
          ),
        );
      }
    });
};

/**
 * The `last` traces that started latest, oldest first (the newest ends up next to the prompt).
 * Pass 1 keeps one start time per trace, pass 2 only the chosen traces' spans, so memory stays
 * small on files of any size.
 */
async function latestTraces(
  out: Output,
  path: string,
  last: number,
): Promise<{ traces: SpanRecord[][]; total: number }> {
  const starts = new Map<string, number>();
  const first = await readOtlpJsonFile(path, {
    onSpans: (batch) => {
      for (const span of batch) {
        const known = starts.get(span.traceId);
        if (known === undefined || span.startMs < known) starts.set(span.traceId, span.startMs);
      }
    },
  });
  reportProblems(out, path, first.problems);
  failIfUnreadable(path, first.spanCount, first.problems);
  const chosen = [...starts.entries()]
    .sort((a, b) => a[1] - b[1])
    .slice(-last)
    .map(([id]) => id);
  // Problems were reported by pass 1.
  const quiet = new Output({ ...out.io, stderr: { write() {} } });
  const byTrace = await collectTraces(quiet, path, chosen);
  return {
    traces: chosen.map((id) => byTrace.get(id)!).filter((spans) => spans.length > 0),
    total: starts.size,
  };
}

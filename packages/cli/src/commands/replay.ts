import { LangfuseConfigError } from '@lazytrace/langfuse';
import { Option } from 'commander';
import { CliError, UsageError } from '../errors.js';
import { Output } from '../io.js';
import { startProgress } from '../progress.js';
import { failIfUnreadable, reportProblems } from '../reading.js';
import { LangfuseSender } from '../replay/langfuse-sender.js';
import { OtlpSender } from '../replay/otlp-sender.js';
import { resolveOtlpSettings } from '../replay/otlp-settings.js';
import { type FileSurvey, type ReplayResult, sendFile, surveyFile } from '../replay/replay.js';
import type { SpanSender } from '../replay/sender.js';
import { durationMs, positiveInt } from '../util/options.js';
import { DEFAULT_RETRY } from '../util/retry.js';
import { existingTraceFile } from '../util/trace-file.js';
import type { RegisterCommand } from './context.js';

interface ReplayOptions {
  to: 'otlp' | 'langfuse';
  endpoint?: string;
  shiftTime?: boolean;
  dryRun?: boolean;
  newIds?: boolean;
  allSpans?: boolean;
  batchSize: number;
  concurrency: number;
  timeout?: number;
  retries: number;
  json?: boolean;
}

export const registerReplay: RegisterCommand = (program, ctx) => {
  program
    .command('replay')
    .summary('re-send recorded spans to an OTLP endpoint or to Langfuse')
    .description(
      'Re-send the spans of a trace file, batched, to any OTLP/HTTP endpoint (--to otlp: the ' +
        'OTEL_EXPORTER_OTLP_* variables apply) or to Langfuse (--to langfuse: LANGFUSE_PUBLIC_KEY, ' +
        "LANGFUSE_SECRET_KEY, LANGFUSE_BASE_URL, through @lazytrace/langfuse's translation). " +
        '429 and 5xx answers are retried with backoff, waiting what Retry-After asks. Exits 1 with a ' +
        'count when any span was not accepted.',
    )
    .argument('<file>', 'OTLP-JSON lines file to replay')
    .addOption(
      new Option('--to <backend>', 'where to send').choices(['otlp', 'langfuse']).makeOptionMandatory(),
    )
    .option(
      '--endpoint <url>',
      'otlp: base URL like OTEL_EXPORTER_OTLP_ENDPOINT (/v1/traces is added); langfuse: the base URL like LANGFUSE_BASE_URL',
    )
    .option(
      '--shift-time',
      'move the recording in time so that its last span ends now (gaps between spans kept)',
    )
    .option('--dry-run', 'read and validate the file and count what would be sent; send nothing')
    .option(
      '--new-ids',
      'send with fresh trace and span ids (a second copy; Langfuse keeps re-sent ids as duplicates)',
    )
    .option('--all-spans', 'langfuse: send every span, not only lazytrace and gen_ai.* spans')
    .option('--batch-size <n>', 'spans per request', positiveInt('--batch-size'), 512)
    .option('--concurrency <n>', 'requests in flight at once', positiveInt('--concurrency'), 2)
    .option(
      '--timeout <duration>',
      'per request (default: OTEL_EXPORTER_OTLP_TIMEOUT, else 10s)',
      durationMs('--timeout'),
    )
    .option(
      '--retries <n>',
      'otlp: attempts per request after the first',
      (v) => Number(positiveIntOrZero(v)),
      4,
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  lazytrace replay .lazytrace/traces.jsonl --to otlp --endpoint http://localhost:4318\n' +
        '  OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 lazytrace replay run.jsonl --to otlp --shift-time\n' +
        '  LANGFUSE_PUBLIC_KEY=pk-lf-… LANGFUSE_SECRET_KEY=sk-lf-… lazytrace replay run.jsonl --to langfuse --new-ids\n' +
        '  lazytrace replay run.jsonl --to otlp --dry-run',
    )
    .action(async (file: string, options: ReplayOptions) => {
      const out = new Output(ctx.io, options.json);
      const path = existingTraceFile(ctx.io, file);
      const sender = options.dryRun ? undefined : createSender(ctx.io, options, out);

      const surveyProgress = startProgress(ctx.io, 'reading', 0);
      let survey: FileSurvey;
      try {
        survey = await surveyFile(path, options.to === 'langfuse' && !options.allSpans, surveyProgress);
      } finally {
        surveyProgress.stop();
      }
      reportProblems(out, path, survey.problems);
      failIfUnreadable(path, survey.spans, survey.problems);

      if (sender === undefined) {
        printDryRun(out, path, options, survey);
        // A dry run validates: unreadable lines make it fail.
        if (survey.problems.length > 0) ctx.setExitCode(1);
        return;
      }

      const progress = startProgress(ctx.io, 'replaying', survey.spans);
      let result: ReplayResult;
      try {
        result = await sendFile(
          {
            path,
            shiftTime: options.shiftTime === true,
            newIds: options.newIds === true,
            batchSize: options.batchSize,
            concurrency: options.concurrency,
          },
          survey,
          sender,
          progress,
          ctx.io.signal,
        );
      } finally {
        progress.stop();
      }
      const notAccepted = result.rejected + result.notSent;
      printReport(out, path, options, survey, result, sender.target);
      if (notAccepted > 0) ctx.setExitCode(1);
    });
};

function positiveIntOrZero(value: string): number {
  if (!/^\d+$/.test(value.trim()))
    throw new UsageError(`--retries must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

function createSender(
  io: Parameters<typeof resolveOtlpSettings>[0],
  options: ReplayOptions,
  out: Output,
): SpanSender {
  if (options.to === 'otlp') {
    const settings = resolveOtlpSettings(io, { endpoint: options.endpoint, timeoutMillis: options.timeout });
    return new OtlpSender(
      settings,
      { ...DEFAULT_RETRY, attempts: options.retries + 1, signal: io.signal },
      (message) => {
        if (!options.json) out.note(out.errColor.dim(message));
      },
    );
  }
  try {
    return new LangfuseSender({
      env: io.env,
      ...(options.endpoint !== undefined ? { baseUrl: options.endpoint } : {}),
      ...(options.timeout !== undefined ? { timeoutMillis: Math.max(1, Math.round(options.timeout)) } : {}),
      ...(options.allSpans ? { exportAllSpans: true } : {}),
    });
  } catch (error) {
    // Missing or malformed LANGFUSE_* settings: the command cannot run as given.
    if (error instanceof LangfuseConfigError || error instanceof TypeError)
      throw new UsageError((error as Error).message);
    throw new CliError((error as Error).message);
  }
}

function printDryRun(out: Output, path: string, options: ReplayOptions, survey: FileSurvey): void {
  const report = {
    file: path,
    to: options.to,
    dryRun: true,
    spans: survey.spans,
    traces: survey.traces,
    wouldSend: survey.relevant,
    wouldSkip: survey.spans - survey.relevant,
    batches: Math.ceil(survey.relevant / options.batchSize),
    problems: survey.problems.length,
    firstStart: survey.firstStartMs === null ? null : new Date(survey.firstStartMs).toISOString(),
    lastEnd: survey.lastEndMs === null ? null : new Date(survey.lastEndMs).toISOString(),
  };
  if (options.json) {
    out.printJson(report);
    return;
  }
  const c = out.color;
  out.line(
    `${c.bold('dry run')}: ${path} holds ${survey.spans} spans in ${survey.traces} traces${survey.problems.length > 0 ? c.yellow(`, ${survey.problems.length} unreadable line(s)`) : ''}`,
  );
  out.line(
    `would send ${survey.relevant} spans to ${options.to} in ${report.batches} request(s) of up to ${options.batchSize}` +
      (report.wouldSkip > 0
        ? c.dim(` (${report.wouldSkip} skipped: not lazytrace or gen_ai spans; --all-spans sends them)`)
        : ''),
  );
  if (report.firstStart !== null) out.line(c.dim(`recorded from ${report.firstStart} to ${report.lastEnd}`));
}

function printReport(
  out: Output,
  path: string,
  options: ReplayOptions,
  survey: FileSurvey,
  result: ReplayResult,
  target: string,
): void {
  const notAccepted = result.rejected + result.notSent;
  if (options.json) {
    out.printJson({
      file: path,
      to: options.to,
      target,
      dryRun: false,
      spans: result.sent + result.notSent,
      traces: survey.traces,
      batches: result.batches,
      accepted: result.accepted,
      rejected: result.rejected,
      notSent: result.notSent,
      notAccepted,
      skipped: result.skipped,
      shiftedByMs: result.shiftedByMs,
      problems: survey.problems.length,
      errors: result.errors,
    });
    return;
  }
  const c = out.color;
  const total = result.sent + result.notSent;
  const skipped =
    result.skipped > 0 ? c.dim(`, ${result.skipped} skipped (not lazytrace or gen_ai spans)`) : '';
  const shifted =
    result.shiftedByMs !== null ? c.dim(` shifted by ${Math.round(result.shiftedByMs / 1000)}s`) : '';
  if (notAccepted === 0) {
    out.line(
      `${c.green('✓')} replayed ${total} spans (${survey.traces} traces) to ${target}: ${result.accepted} accepted${skipped}${shifted}`,
    );
    return;
  }
  out.line(
    `${c.red('✗')} replayed ${total} spans to ${target}: ${result.accepted} accepted, ${c.red(`${notAccepted} not accepted`)} (${result.rejected} rejected, ${result.notSent} not sent)${skipped}`,
  );
  for (const error of result.errors) out.note(`  ${error}`);
}

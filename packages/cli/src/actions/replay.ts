import { setLogger } from '@lazytrace/core';
import { LangfuseConfigError } from '@lazytrace/langfuse';
import type { CommandContext } from '../commands/context.js';
import type { ReplayOptions } from '../commands/replay.js';
import { CliError, UsageError } from '../errors.js';
import { Output } from '../io.js';
import { startProgress } from '../progress.js';
import { failIfUnreadable, reportProblems } from '../reading.js';
import { LangfuseSender } from '../replay/langfuse-sender.js';
import { OtlpSender } from '../replay/otlp-sender.js';
import { resolveOtlpSettings } from '../replay/otlp-settings.js';
import { type FileSurvey, type ReplayResult, sendFile, surveyFile } from '../replay/replay.js';
import type { SpanSender } from '../replay/sender.js';
import { DEFAULT_RETRY } from '../util/retry.js';
import { existingTraceFile } from '../util/trace-file.js';

/** `lazytrace replay`: survey the file, then send it (or only count, with --dry-run). */
export async function replayAction(ctx: CommandContext, file: string, options: ReplayOptions): Promise<void> {
  // lazytrace's own warnings (the Langfuse exporter's) reach stderr only with LAZYTRACE_DEBUG:
  // the report says what failed, once.
  setLogger({
    warn: (message) => {
      if (ctx.io.env.LAZYTRACE_DEBUG) ctx.io.stderr.write(`${message}\n`);
    },
  });
  try {
    await replay(ctx, file, options);
  } finally {
    setLogger(undefined);
  }
}

async function replay(ctx: CommandContext, file: string, options: ReplayOptions): Promise<void> {
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

import { isLangfuseRelevant } from '@lazytrace/langfuse';
import { type ReadProblem, readOtlpJsonFile, type SpanRecord, streamOtlpJsonFile } from '@lazytrace/traces';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Progress } from '../progress.js';
import { freshIdMapper } from './new-ids.js';
import type { SpanSender } from './sender.js';
import { ReadableSpanFactory } from './to-readable-span.js';

export interface ReplayPlan {
  readonly path: string;
  readonly shiftTime: boolean;
  readonly newIds: boolean;
  readonly batchSize: number;
  /** Batches in flight at once. */
  readonly concurrency: number;
  /** Count what Langfuse's default filter would keep (for a dry run to Langfuse). */
  readonly langfuseFilter?: boolean;
}

/** What the file holds, from the first (validating) pass. */
export interface FileSurvey {
  spans: number;
  traces: number;
  /** Spans the destination takes by default (Langfuse: lazytrace and gen_ai spans); = spans otherwise. */
  relevant: number;
  problems: ReadProblem[];
  firstStartMs: number | null;
  lastEndMs: number | null;
  /** The exact latest end, decimal nanoseconds: the anchor of `--shift-time`. */
  lastEndUnixNano: string | null;
}

export interface ReplayResult {
  sent: number;
  accepted: number;
  rejected: number;
  /** Read but never sent because replay stopped (the destination failed for good). */
  notSent: number;
  skipped: number;
  batches: number;
  errors: string[];
  shiftedByMs: number | null;
}

/** Pass 1: read the whole file once, validating and counting, keeping no spans. */
export async function surveyFile(
  path: string,
  langfuseFilter: boolean,
  progress?: Progress,
): Promise<FileSurvey> {
  const traces = new Set<string>();
  const survey: FileSurvey = {
    spans: 0,
    traces: 0,
    relevant: 0,
    problems: [],
    firstStartMs: null,
    lastEndMs: null,
    lastEndUnixNano: null,
  };
  let lastEnd = -1n;
  const result = await readOtlpJsonFile(path, {
    onSpans: (batch) => {
      for (const span of batch) {
        survey.spans++;
        traces.add(span.traceId);
        if (!langfuseFilter || isLangfuseRelevant({ attributes: span.attributes } as unknown as ReadableSpan))
          survey.relevant++;
        if (survey.firstStartMs === null || span.startMs < survey.firstStartMs)
          survey.firstStartMs = span.startMs;
        const end = BigInt(span.endTimeUnixNano);
        if (end > lastEnd) {
          lastEnd = end;
          survey.lastEndMs = span.endMs;
          survey.lastEndUnixNano = span.endTimeUnixNano;
        }
      }
      progress?.update(survey.spans, { what: 'reading' });
    },
  });
  survey.traces = traces.size;
  survey.problems = result.problems;
  return survey;
}

/**
 * Pass 2: stream the file again, batch, convert and send, at most `concurrency` batches at once.
 * A failure that is not about one batch (the destination is down, refuses the credentials, or
 * kept answering 429/5xx through every retry) stops the replay: what was not sent is counted.
 */
export async function sendFile(
  plan: ReplayPlan,
  survey: FileSurvey,
  sender: SpanSender,
  progress: Progress,
  signal?: AbortSignal,
): Promise<ReplayResult> {
  const result: ReplayResult = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    notSent: 0,
    skipped: 0,
    batches: 0,
    errors: [],
    shiftedByMs: null,
  };
  let shiftNanos: bigint | undefined;
  if (plan.shiftTime && survey.lastEndUnixNano !== null) {
    shiftNanos = BigInt(Date.now()) * 1_000_000n - BigInt(survey.lastEndUnixNano);
    result.shiftedByMs = Number(shiftNanos / 1_000_000n);
  }
  const factory = new ReadableSpanFactory({
    shiftNanos,
    mapId: plan.newIds ? freshIdMapper() : undefined,
  });
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let read = 0;
  const errorCounts = new Map<string, number>();

  const dispatch = (records: SpanRecord[]) => {
    const spans = records.map((record) => factory.toReadableSpan(record));
    result.batches++;
    const sending = sender.send(spans).then((outcome) => {
      result.sent += spans.length;
      result.accepted += outcome.accepted;
      result.rejected += outcome.rejected;
      result.skipped += outcome.skipped;
      if (outcome.error !== undefined)
        errorCounts.set(outcome.error, (errorCounts.get(outcome.error) ?? 0) + 1);
      if (outcome.stop) stopped = true;
      progress.increment(spans.length);
    });
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  };

  for await (const batch of streamOtlpJsonFile(plan.path, { batchSize: plan.batchSize })) {
    read += batch.length;
    if (stopped || signal?.aborted) {
      result.notSent += batch.length;
      continue;
    }
    dispatch(batch);
    while (inFlight.size >= plan.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await sender.shutdown();
  // Spans the file gained between the passes are replayed too; the survey's count was a forecast.
  progress.setTotal(read);
  for (const [message, count] of errorCounts)
    result.errors.push(count > 1 ? `${message} (${count} batches)` : message);
  return result;
}

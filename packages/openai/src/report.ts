import { type CallContext, logWarning, type ModelParameterValue, type Usage } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';

/**
 * Every report to a call context goes through here: core validates what it is given and a
 * telemetry call must never fail the application's call, so a rejected value is dropped (and
 * warned about once per kind of report).
 */
const warned = new Set<string>();

/** Each report below catches inline (a closure per report would be one more allocation per call). */
function rejected(what: string, error: unknown): void {
  if (warned.has(what)) return;
  warned.add(what);
  logWarning(`@lazytrace/openai: could not record ${what}: ${(error as Error)?.message ?? String(error)}`);
}

export function reportModel(
  ctx: CallContext,
  model: { request?: string; response?: string; provider?: string },
): void {
  const clean: { request?: string; response?: string; provider?: string } = {};
  if (typeof model.request === 'string' && model.request !== '') clean.request = model.request;
  if (typeof model.response === 'string' && model.response !== '') clean.response = model.response;
  if (typeof model.provider === 'string') clean.provider = model.provider;
  if (clean.request === undefined && clean.response === undefined && clean.provider === undefined) return;
  try {
    ctx.setModel(clean);
  } catch (error) {
    rejected('the model', error);
  }
}

/**
 * Usage already reported to a context by this package. An `llm` module that calls the client more
 * than once (a retry, a second step) is one generation whose usage is the sum of its requests.
 */
const reportedUsage = new WeakMap<CallContext, Usage>();
/**
 * The contexts more than one request may report to (an enclosing module's). A call's own span
 * gets one report, so only these keep a running sum: a WeakMap entry per call was a measurable
 * part of the cost of every call.
 */
const sharedContexts = new WeakSet<CallContext>();

/** `ctx` is an enclosing module's: the usage of each request made in it is added up. */
export function shareUsage(ctx: CallContext): void {
  sharedContexts.add(ctx);
}

export function reportUsage(ctx: CallContext, usage: Usage | undefined): void {
  if (usage === undefined) return;
  if (!sharedContexts.has(ctx)) {
    try {
      ctx.setUsage(usage);
    } catch (error) {
      rejected('the usage', error);
    }
    return;
  }
  const previous = reportedUsage.get(ctx);
  const total = previous === undefined ? usage : addUsage(previous, usage);
  reportedUsage.set(ctx, total);
  try {
    ctx.setUsage(total);
  } catch (error) {
    rejected('the usage', error);
  }
}

function addUsage(a: Usage, b: Usage): Usage {
  const sum = (x: number | undefined, y: number | undefined) =>
    x === undefined ? y : y === undefined ? x : x + y;
  const details: Record<string, number> = { ...a.details };
  for (const [key, value] of Object.entries(b.details ?? {})) details[key] = (details[key] ?? 0) + value;
  const total: { -readonly [K in keyof Usage]: Usage[K] } = {
    inputTokens: sum(a.inputTokens, b.inputTokens),
    outputTokens: sum(a.outputTokens, b.outputTokens),
    totalTokens: sum(a.totalTokens, b.totalTokens),
  };
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    if (total[key] === undefined) delete total[key];
  }
  if (Object.keys(details).length > 0) total.details = details;
  return total;
}

export function reportParameters(ctx: CallContext, parameters: Record<string, ModelParameterValue>): void {
  for (const _ in parameters) {
    try {
      ctx.setModelParameters(parameters);
    } catch (error) {
      rejected('the model parameters', error);
    }
    return;
  }
}

export function reportAttributes(ctx: CallContext, attributes: Attributes): void {
  for (const _ in attributes) {
    try {
      ctx.setAttributes(attributes);
    } catch (error) {
      rejected('attributes', error);
    }
    return;
  }
}

/** A token count as OpenAI reports it, or undefined when it is not a usable count. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * OpenAI's usage shapes (chat and completions: prompt/completion tokens; responses: input/output
 * tokens; both with details) in core's shape. Cached input tokens and reasoning tokens become the
 * details core maps to `gen_ai.usage.cache_read.input_tokens` / `gen_ai.usage.reasoning.output_tokens`.
 */
export function toUsage(raw: unknown): Usage | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const u = raw as Record<string, unknown>;
  const inputTokens = count(u.prompt_tokens) ?? count(u.input_tokens);
  const outputTokens = count(u.completion_tokens) ?? count(u.output_tokens);
  const totalTokens = count(u.total_tokens);
  const details: Record<string, number> = {};
  const inputDetails = (u.prompt_tokens_details ?? u.input_tokens_details) as Record<string, unknown> | null;
  const outputDetails = (u.completion_tokens_details ?? u.output_tokens_details) as Record<
    string,
    unknown
  > | null;
  if (inputDetails !== null && typeof inputDetails === 'object') {
    addDetail(details, 'cacheReadInputTokens', inputDetails.cached_tokens, true);
    addDetail(details, 'audioInputTokens', inputDetails.audio_tokens);
  }
  if (outputDetails !== null && typeof outputDetails === 'object') {
    addDetail(details, 'reasoningOutputTokens', outputDetails.reasoning_tokens, true);
    addDetail(details, 'audioOutputTokens', outputDetails.audio_tokens);
    addDetail(details, 'acceptedPredictionTokens', outputDetails.accepted_prediction_tokens);
    addDetail(details, 'rejectedPredictionTokens', outputDetails.rejected_prediction_tokens);
  }
  if (inputTokens === undefined && outputTokens === undefined && totalTokens === undefined) return undefined;
  const usage: { -readonly [K in keyof Usage]: Usage[K] } = {};
  if (inputTokens !== undefined) usage.inputTokens = inputTokens;
  if (outputTokens !== undefined) usage.outputTokens = outputTokens;
  if (totalTokens !== undefined) usage.totalTokens = totalTokens;
  for (const _ in details) {
    usage.details = details;
    break;
  }
  return usage;
}

function addDetail(details: Record<string, number>, key: string, value: unknown, keepZero = false): void {
  const n = count(value);
  // Cached and reasoning tokens are kept even at zero (a cache miss is a fact worth seeing); the
  // rarer counts only when present, or every span would carry four zeros.
  if (n !== undefined && (keepZero || n > 0)) details[key] = n;
}

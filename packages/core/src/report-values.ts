import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { errorMessage, logWarning } from './logger.js';
import type { ModelInfo, ModelParameterValue, Usage } from './report-types.js';

/*
 * What business code reports through its context (`ctx.setModel`, `setUsage`,
 * `setModelParameters`, `setAttributes`), made into the values spans record. Telemetry never fails
 * the business call (DESIGN amendment): numbers and bigints become strings where a string is
 * expected, `null`/`undefined` mean "not set", anything else wrong is dropped with one warning
 * per field naming it. Nothing here throws, whatever it is given (getters that throw, Proxies).
 */

const warned = new Set<string>();
/** Field names come from user keys: the set of warned ones stays bounded. */
const MAX_WARNED = 1_000;

function warnOnce(id: string, message: string): void {
  if (warned.has(id) || warned.size >= MAX_WARNED) return;
  warned.add(id);
  logWarning(message);
}

function dropped(method: string, field: string, expected: string, value: unknown): void {
  const name = field.length > 100 ? `${field.slice(0, 100)}…` : field;
  warnOnce(
    `${method}\u0000${field}`,
    `ctx.${method}: "${name}" ${expected}, got ${describe(value)}; dropped (warned once per field)`,
  );
}

/** The argument itself could not be read (a throwing getter, a hostile Proxy). */
function failed(method: string, error: unknown): void {
  warnOnce(
    method,
    `ctx.${method}: the value could not be read (${errorMessage(error)}); dropped (warned once)`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/** A string, or a number/bigint as one; `undefined` when the value is not textual. */
function asText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
      return value.toString();
    default:
      return undefined;
  }
}

const MODEL_FIELDS = ['request', 'response', 'provider'] as const;

/** The model after `setModel(model)`; the current one when nothing usable was given. */
export function modelFrom(current: ModelInfo | undefined, model: unknown): ModelInfo | undefined {
  try {
    if (model === undefined || model === null) return current;
    const text = asText(model);
    if (text !== undefined) return { ...current, request: text };
    if (typeof model !== 'object') {
      dropped('setModel', 'model', 'must be a string or { request, response, provider }', model);
      return current;
    }
    let next: { -readonly [K in keyof ModelInfo]: ModelInfo[K] } | undefined;
    for (const field of MODEL_FIELDS) {
      const value: unknown = (model as Record<string, unknown>)[field];
      if (value === undefined || value === null) continue;
      const fieldText = asText(value);
      if (fieldText === undefined) {
        dropped('setModel', field, 'must be a string', value);
        continue;
      }
      next ??= { ...current };
      next[field] = fieldText;
    }
    return next ?? current;
  } catch (error) {
    failed('setModel', error);
    return current;
  }
}

/** A token count: a finite number >= 0 (a bigint is converted); `undefined` when not set or dropped. */
function count(source: Record<string, unknown>, key: string, field = key): number | undefined {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'bigint' && value >= 0n) return Number(value);
  dropped('setUsage', field, 'must be a finite number >= 0', value);
  return undefined;
}

function objectAt(source: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = source[key];
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** Provider detail counts → `Usage.details` keys (the ones with GenAI attributes keep their spelling). */
const INPUT_DETAILS: Readonly<Record<string, string>> = {
  cached_tokens: 'cacheReadInputTokens',
  audio_tokens: 'audioInputTokens',
};
const OUTPUT_DETAILS: Readonly<Record<string, string>> = {
  reasoning_tokens: 'reasoningOutputTokens',
  audio_tokens: 'audioOutputTokens',
  accepted_prediction_tokens: 'acceptedPredictionTokens',
  rejected_prediction_tokens: 'rejectedPredictionTokens',
};
/** Anthropic reports cache counts at the top level. */
const TOP_LEVEL_DETAILS: Readonly<Record<string, string>> = {
  cache_read_input_tokens: 'cacheReadInputTokens',
  cache_creation_input_tokens: 'cacheCreationInputTokens',
};

/**
 * The usage after `setUsage(usage)`: lazytrace's own shape (`inputTokens` …) or a provider's as it
 * comes (OpenAI chat: `prompt_tokens`, `completion_tokens`, `total_tokens` and their `*_details`;
 * OpenAI responses: `input_tokens`, `output_tokens`, `*_tokens_details`; Anthropic: `input_tokens`,
 * `output_tokens`, `cache_*_input_tokens`). `undefined` leaves the current usage as it is.
 */
export function usageFrom(usage: unknown): Usage | undefined {
  try {
    if (usage === undefined || usage === null) return undefined;
    if (typeof usage !== 'object') {
      dropped('setUsage', 'usage', 'must be an object', usage);
      return undefined;
    }
    const u = usage as Record<string, unknown>;
    const result: { -readonly [K in keyof Usage]: Usage[K] } = {};
    const input = count(u, 'inputTokens') ?? count(u, 'prompt_tokens') ?? count(u, 'input_tokens');
    const output = count(u, 'outputTokens') ?? count(u, 'completion_tokens') ?? count(u, 'output_tokens');
    const total = count(u, 'totalTokens') ?? count(u, 'total_tokens');
    if (input !== undefined) result.inputTokens = input;
    if (output !== undefined) result.outputTokens = output;
    if (total !== undefined) result.totalTokens = total;

    let details: Record<string, number> | undefined;
    const addDetail = (key: string, value: number | undefined) => {
      if (value === undefined) return;
      details ??= {};
      details[key] = value;
    };
    const own = u.details;
    if (own !== undefined && own !== null) {
      if (typeof own === 'object') {
        for (const key of Object.keys(own))
          addDetail(key, count(own as Record<string, unknown>, key, `details.${key}`));
      } else {
        dropped('setUsage', 'details', 'must be an object of token counts', own);
      }
    }
    for (const [key, name] of Object.entries(TOP_LEVEL_DETAILS)) addDetail(name, count(u, key));
    for (const [holder, map] of [
      ['prompt_tokens_details', INPUT_DETAILS],
      ['input_tokens_details', INPUT_DETAILS],
      ['completion_tokens_details', OUTPUT_DETAILS],
      ['output_tokens_details', OUTPUT_DETAILS],
    ] as const) {
      const part = objectAt(u, holder);
      if (part === undefined) continue;
      for (const [key, name] of Object.entries(map)) addDetail(name, count(part, key, `${holder}.${key}`));
    }
    if (details !== undefined) result.details = details;
    return result;
  } catch (error) {
    failed('setUsage', error);
    return undefined;
  }
}

/** A value `setModelParameters` keeps: string, finite number, boolean, or an array of one of them. */
function parameterValue(value: unknown): ModelParameterValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (!Array.isArray(value)) return undefined;
  const items = value.filter((item) => item !== undefined && item !== null);
  if (items.every((item) => typeof item === 'boolean')) return items as boolean[];
  if (items.every((item) => typeof item === 'number' && Number.isFinite(item))) return items as number[];
  // Stop sequences and the like: numbers among strings become strings.
  const texts = items.map(asText);
  return texts.every((text) => text !== undefined) ? (texts as string[]) : undefined;
}

export interface ParametersReport {
  readonly parameters: Record<string, ModelParameterValue>;
  /** Stop sequences as the GenAI attribute wants them (a string array), when `stop` was given. */
  readonly stopSequences: string[] | undefined;
}

/** The parameters after `setModelParameters(parameters)`, merged over `current`; `undefined`: unchanged. */
export function parametersFrom(
  current: Readonly<Record<string, ModelParameterValue>> | undefined,
  parameters: unknown,
): ParametersReport | undefined {
  try {
    if (parameters === undefined || parameters === null) return undefined;
    if (typeof parameters !== 'object' || Array.isArray(parameters)) {
      dropped('setModelParameters', 'parameters', 'must be an object', parameters);
      return undefined;
    }
    let next: Record<string, ModelParameterValue> | undefined;
    for (const key of Object.keys(parameters)) {
      const raw: unknown = (parameters as Record<string, unknown>)[key];
      if (raw === undefined || raw === null) continue;
      const value = parameterValue(raw);
      if (value === undefined) {
        dropped(
          'setModelParameters',
          key,
          'must be a string, number, boolean or an array of one of them',
          raw,
        );
        continue;
      }
      next ??= { ...current };
      next[key] = value;
    }
    if (next === undefined) return undefined;
    const stop = next.stop;
    const stopSequences =
      typeof stop === 'string'
        ? [stop]
        : Array.isArray(stop) && stop.every((s) => typeof s === 'string')
          ? (stop as string[])
          : undefined;
    return { parameters: next, stopSequences };
  } catch (error) {
    failed('setModelParameters', error);
    return undefined;
  }
}

/** An OpenTelemetry attribute value, or `undefined` when the value cannot be one. */
function attributeValue(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
  }
  if (!Array.isArray(value)) return undefined;
  // OpenTelemetry arrays hold one primitive type (nulls allowed).
  let kind: string | undefined;
  for (const item of value) {
    if (item === null || item === undefined) continue;
    const t = typeof item;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') return undefined;
    if (kind === undefined) kind = t;
    else if (kind !== t) return undefined;
  }
  return value.slice() as AttributeValue;
}

/** The extra attributes after `setAttributes(attributes)`, merged over `current`; `undefined`: unchanged. */
export function attributesFrom(current: Attributes | undefined, attributes: unknown): Attributes | undefined {
  try {
    if (attributes === undefined || attributes === null) return undefined;
    if (typeof attributes !== 'object' || Array.isArray(attributes)) {
      dropped('setAttributes', 'attributes', 'must be an object', attributes);
      return undefined;
    }
    let next: Attributes | undefined;
    for (const key of Object.keys(attributes)) {
      const raw: unknown = (attributes as Record<string, unknown>)[key];
      if (raw === undefined || raw === null) continue;
      const value = attributeValue(raw);
      if (value === undefined) {
        dropped('setAttributes', key, 'must be a string, number, boolean or an array of one of them', raw);
        continue;
      }
      next ??= { ...current };
      next[key] = value;
    }
    return next;
  } catch (error) {
    failed('setAttributes', error);
    return undefined;
  }
}

import { attributes as A, type ModelParameterValue } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';
import type { Body } from '../adapter.js';
import * as O from '../attributes.js';

/**
 * Request parameters worth seeing next to a generation, as model parameters (core maps the
 * well-known ones to `gen_ai.request.*`; Langfuse shows them all). Scalars only: messages, tools
 * and schemas are content, not parameters.
 */
const SCALAR_PARAMETERS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'frequency_penalty',
  'presence_penalty',
  'seed',
  'n',
  'logprobs',
  'top_logprobs',
  'parallel_tool_calls',
  'reasoning_effort',
  'verbosity',
  'service_tier',
  'store',
  'truncation',
  'dimensions',
  'encoding_format',
  'best_of',
  'echo',
  // Not `suffix`: it is text of the prompt (content, recorded with the input), and parameters
  // are recorded even when content capture is off.
] as const;
const SCALAR_SET: ReadonlySet<string> = new Set(SCALAR_PARAMETERS);

export function requestParameters(body: Body, attributes: Attributes): Record<string, ModelParameterValue> {
  const parameters: Record<string, ModelParameterValue> = {};
  // A body names a handful of keys; looking up each of the ~20 known names instead (mostly
  // absent, so each a full prototype walk) was a measurable part of a call's cost.
  for (const key in body) {
    if (!SCALAR_SET.has(key)) continue;
    const value = body[key];
    if (
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    ) {
      parameters[key] = value;
    }
  }
  // Stop sequences are a parameter, as for any module that reports `stop` through
  // `ctx.setModelParameters`: core records them as `gen_ai.request.stop_sequences` (and in the
  // model parameters), content capture on or off. The GenAI conventions list them with the
  // request parameters (recommended, where the messages are opt-in), and OpenInference's
  // hide-inputs settings hide messages and input text, not the invocation parameters.
  const stop = body.stop;
  if (typeof stop === 'string') parameters.stop = stop;
  else if (Array.isArray(stop) && stop.every((s) => typeof s === 'string'))
    parameters.stop = stop as string[];
  const toolChoice = body.tool_choice;
  if (typeof toolChoice === 'string') parameters.tool_choice = toolChoice;
  else if (toolChoice !== null && typeof toolChoice === 'object') {
    const name =
      (toolChoice as { function?: { name?: unknown }; name?: unknown }).function?.name ??
      (toolChoice as { name?: unknown }).name;
    if (typeof name === 'string') parameters.tool_choice = name;
  }
  const format = (body.response_format ?? (body.text as { format?: unknown } | undefined)?.format) as
    | { type?: unknown }
    | undefined;
  if (format !== null && typeof format === 'object' && typeof format.type === 'string') {
    parameters.response_format = format.type;
    attributes[O.GEN_AI_OUTPUT_TYPE] = format.type === 'text' ? 'text' : 'json';
  }
  const reasoning = body.reasoning as { effort?: unknown } | undefined;
  if (reasoning !== null && typeof reasoning === 'object' && typeof reasoning.effort === 'string') {
    parameters.reasoning_effort = reasoning.effort;
  }
  // Limits under other names still are `gen_ai.request.max_tokens`.
  const maxTokens = body.max_completion_tokens ?? body.max_output_tokens;
  if (typeof maxTokens === 'number' && body.max_tokens === undefined)
    attributes[A.GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const n = body.n;
  if (typeof n === 'number' && n !== 1) attributes[O.GEN_AI_REQUEST_CHOICE_COUNT] = n;
  if (typeof body.service_tier === 'string') attributes[O.OPENAI_REQUEST_SERVICE_TIER] = body.service_tier;
  if (body.stream === true) attributes[A.GEN_AI_REQUEST_STREAM] = true;
  return parameters;
}

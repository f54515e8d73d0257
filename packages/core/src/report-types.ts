/* What business code reports about one call (`ctx.setModel`, `ctx.setUsage`, `ctx.setModelParameters`). */

/** Token usage of one LLM or embedding call. */
export interface Usage {
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
  /** Defaults to input + output when both are known. */
  readonly totalTokens?: number | undefined;
  /** Finer counts, e.g. `{ cachedInputTokens: 120, reasoningTokens: 40 }`. */
  readonly details?: Readonly<Record<string, number>> | undefined;
}

/** Which model served the call. A plain string sets the requested model. */
export interface ModelInfo {
  /** The model asked for (`gen_ai.request.model`). */
  readonly request?: string | undefined;
  /** The model that answered, when the provider reports it (`gen_ai.response.model`). */
  readonly response?: string | undefined;
  /** `openai`, `anthropic`, `aws.bedrock` … (`gen_ai.provider.name`). */
  readonly provider?: string | undefined;
}

/**
 * Token usage as providers report it, accepted by `ctx.setUsage` as it comes: OpenAI chat
 * (`prompt_tokens`, `completion_tokens`, `total_tokens`, `prompt_tokens_details.cached_tokens`,
 * `completion_tokens_details.reasoning_tokens` …), OpenAI responses (`input_tokens`,
 * `output_tokens`, `*_tokens_details`) and Anthropic (`cache_read_input_tokens` …).
 */
export interface ProviderUsage {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly total_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly prompt_tokens_details?: ProviderTokenDetails | null;
  readonly input_tokens_details?: ProviderTokenDetails | null;
  readonly completion_tokens_details?: ProviderTokenDetails | null;
  readonly output_tokens_details?: ProviderTokenDetails | null;
}

export interface ProviderTokenDetails {
  readonly cached_tokens?: number | null;
  readonly audio_tokens?: number | null;
  readonly reasoning_tokens?: number | null;
  readonly accepted_prediction_tokens?: number | null;
  readonly rejected_prediction_tokens?: number | null;
}

/** A request parameter as recorded: `stop: ['\n']` stays a list. */
export type ModelParameterValue = string | number | boolean | string[] | number[] | boolean[];

/** What `ctx.setModelParameters` accepts per key (`null`/`undefined`: not set). */
export type ModelParameterInput =
  | ModelParameterValue
  | readonly (string | number | boolean)[]
  | bigint
  | null
  | undefined;

/**
 * Span attribute names written by lazytrace. Neutral, backend-independent names; exporters (the
 * Langfuse one) translate them.
 */
export const ATTR_KIND = 'lazytrace.kind';
export const ATTR_NAME = 'lazytrace.name';
export const ATTR_CLASS = 'lazytrace.class';
export const ATTR_INPUT = 'lazytrace.input';
export const ATTR_OUTPUT = 'lazytrace.output';
export const ATTR_TRACE_NAME = 'lazytrace.trace.name';
export const ATTR_TAGS = 'lazytrace.tags';
export const ATTR_METADATA_PREFIX = 'lazytrace.metadata.';
/** `true` on the outermost lazytrace span of a request, even when it has a foreign parent span. */
export const ATTR_ROOT = 'lazytrace.root';
/** `true` when the request asked to be kept whatever the sample rate (`sampled: true`). */
export const ATTR_SAMPLED = 'lazytrace.sampled';
export const ATTR_SESSION_ID = 'session.id';
export const ATTR_USER_ID = 'user.id';
export const ATTR_ERROR_TYPE = 'error.type';

export const ATTR_STREAM = 'lazytrace.stream';
export const ATTR_STREAM_CHUNKS = 'lazytrace.stream.chunks';
export const ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS = 'lazytrace.stream.time_to_first_chunk_ms';
export const ATTR_STREAM_CANCELLED = 'lazytrace.stream.cancelled';
export const ATTR_STREAM_ABANDONED = 'lazytrace.stream.abandoned';

export const ATTR_IFS_BRANCH = 'lazytrace.ifs.branch';
export const ATTR_SWITCH_CASE = 'lazytrace.switch.case';
export const ATTR_LOOP_ITERATIONS = 'lazytrace.loop.iterations';
export const ATTR_PARALLEL_BRANCHES = 'lazytrace.parallel.branches';
/** On each attempt's span under `retry`: 1 for the first call, 2 for the first retry … */
export const ATTR_RETRY_ATTEMPT = 'lazytrace.retry.attempt';
/** On the `retry` flow's span: how many attempts were made. */
export const ATTR_RETRY_ATTEMPTS = 'lazytrace.retry.attempts';
/** On the `timeout` flow's span: its limit in milliseconds. */
export const ATTR_TIMEOUT_MS = 'lazytrace.timeout.ms';
/** On the `timeout` flow's span: `true` when the limit was reached. */
export const ATTR_TIMEOUT_EXCEEDED = 'lazytrace.timeout.exceeded';

/** Number of documents a retriever or reranker returned (when its output is an array). */
export const ATTR_DOCUMENT_COUNT = 'lazytrace.documents.count';

/**
 * OpenTelemetry GenAI semantic conventions (still "development"). Copied here rather than
 * importing `@opentelemetry/semantic-conventions/incubating`, as the OTel docs advise for
 * libraries and because the core depends on `@opentelemetry/api` only; a test checks each name
 * against the package's constants.
 */
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
export const GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
/** Seconds from the request to the first streamed chunk. */
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
/** Content attributes (only with content capture on). */
export const GEN_AI_RETRIEVAL_QUERY_TEXT = 'gen_ai.retrieval.query.text';
export const GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';

/** The prefix of every GenAI convention attribute (a span carrying one is a GenAI span). */
export const GEN_AI_PREFIX = 'gen_ai.';

/** `gen_ai.operation.name` values. */
export const GEN_AI_OPERATION_CHAT = 'chat';
export const GEN_AI_OPERATION_EMBEDDINGS = 'embeddings';
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
export const GEN_AI_OPERATION_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_RETRIEVAL = 'retrieval';
export const GEN_AI_OPERATION_TEXT_COMPLETION = 'text_completion';

/** Lazytrace-specific: the total token count and finer usage details (JSON object text). */
export const ATTR_USAGE_TOTAL_TOKENS = 'lazytrace.usage.total_tokens';
export const ATTR_USAGE_DETAILS = 'lazytrace.usage.details';
/** Model parameters that have no GenAI attribute, as JSON object text. */
export const ATTR_MODEL_PARAMETERS = 'lazytrace.model.parameters';

/**
 * What the provider integrations write besides the above (`@lazytrace/openai`): GenAI, OpenAI,
 * server and HTTP names of the OpenTelemetry conventions (checked against the conventions package
 * by packages/openai/src/attributes.test.ts), then the ones not in the conventions (yet).
 */
export const GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats';
export const GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';
export const GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const OPENAI_API_TYPE = 'openai.api.type';
export const OPENAI_REQUEST_SERVICE_TIER = 'openai.request.service_tier';
export const OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier';
export const OPENAI_RESPONSE_SYSTEM_FINGERPRINT = 'openai.response.system_fingerprint';
export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
export const HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
/** The `x-request-id` OpenAI returns (what its support asks for). */
export const OPENAI_REQUEST_ID = 'openai.request.id';
/** The error `code` and `type` of an OpenAI API error. */
export const OPENAI_ERROR_CODE = 'openai.error.code';
export const OPENAI_ERROR_TYPE = 'openai.error.type';
/** The caller took the raw `Response` (`.asResponse()`): body, usage and output were not read. */
export const OPENAI_RAW_RESPONSE = 'lazytrace.openai.raw_response';
/** The SDK helper that made the request (`chat.completions.parse`, `stream`, `runTools`). */
export const OPENAI_HELPER = 'lazytrace.openai.helper';

/**
 * The attributes the Langfuse server reads (langfuse/langfuse, OTel ingestion), written by
 * `@lazytrace/langfuse` on the copy of each span it sends. The `…METADATA_PREFIX` names are
 * prefixes: one attribute per metadata key.
 */
export const LANGFUSE_OBSERVATION_TYPE = 'langfuse.observation.type';
export const LANGFUSE_OBSERVATION_INPUT = 'langfuse.observation.input';
export const LANGFUSE_OBSERVATION_OUTPUT = 'langfuse.observation.output';
export const LANGFUSE_OBSERVATION_LEVEL = 'langfuse.observation.level';
export const LANGFUSE_OBSERVATION_STATUS_MESSAGE = 'langfuse.observation.status_message';
export const LANGFUSE_OBSERVATION_MODEL_NAME = 'langfuse.observation.model.name';
export const LANGFUSE_OBSERVATION_MODEL_PARAMETERS = 'langfuse.observation.model.parameters';
export const LANGFUSE_OBSERVATION_USAGE_DETAILS = 'langfuse.observation.usage_details';
export const LANGFUSE_OBSERVATION_COMPLETION_START_TIME = 'langfuse.observation.completion_start_time';
export const LANGFUSE_OBSERVATION_METADATA_PREFIX = 'langfuse.observation.metadata.';
export const LANGFUSE_TRACE_NAME = 'langfuse.trace.name';
export const LANGFUSE_TRACE_INPUT = 'langfuse.trace.input';
export const LANGFUSE_TRACE_OUTPUT = 'langfuse.trace.output';
export const LANGFUSE_TRACE_TAGS = 'langfuse.trace.tags';
export const LANGFUSE_TRACE_METADATA_PREFIX = 'langfuse.trace.metadata.';
export const LANGFUSE_SESSION_ID = 'langfuse.session.id';
export const LANGFUSE_USER_ID = 'langfuse.user.id';
export const LANGFUSE_ENVIRONMENT = 'langfuse.environment';
export const LANGFUSE_RELEASE = 'langfuse.release';
export const LANGFUSE_AS_ROOT = 'langfuse.internal.as_root';

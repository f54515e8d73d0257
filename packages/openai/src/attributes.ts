/**
 * Attribute names this package writes besides core's (`attributes` of @lazytrace/core). GenAI and
 * OpenAI names follow the OpenTelemetry semantic conventions (copied, as core does, rather than
 * importing the incubating entry point; `attributes.test.ts` checks them against the package).
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

/**
 * Not in the conventions (yet): the `x-request-id` OpenAI returns (what its support asks for),
 * the error `code` and `type` of an API error, and how a call ended when the caller did not read
 * the parsed result.
 */
export const OPENAI_REQUEST_ID = 'openai.request.id';
export const OPENAI_ERROR_CODE = 'openai.error.code';
export const OPENAI_ERROR_TYPE = 'openai.error.type';
/** The caller took the raw `Response` (`.asResponse()`): body, usage and output were not read. */
export const OPENAI_RAW_RESPONSE = 'lazytrace.openai.raw_response';
/** The SDK helper that made the request (`chat.completions.parse`, `stream`, `runTools`). */
export const OPENAI_HELPER = 'lazytrace.openai.helper';

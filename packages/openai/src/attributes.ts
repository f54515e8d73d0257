import { attributes as A } from '@lazytrace/core';

/**
 * Attribute names this package writes besides core's common ones. Every attribute name is written
 * once, in core's tracing/attributes.ts; this module names the ones this package uses
 * (`attributes.test.ts` checks the conventions' names against the conventions package).
 */
export const GEN_AI_RESPONSE_ID = A.GEN_AI_RESPONSE_ID;
export const GEN_AI_RESPONSE_FINISH_REASONS = A.GEN_AI_RESPONSE_FINISH_REASONS;
export const GEN_AI_REQUEST_CHOICE_COUNT = A.GEN_AI_REQUEST_CHOICE_COUNT;
export const GEN_AI_REQUEST_ENCODING_FORMATS = A.GEN_AI_REQUEST_ENCODING_FORMATS;
export const GEN_AI_EMBEDDINGS_DIMENSION_COUNT = A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT;
export const GEN_AI_OUTPUT_TYPE = A.GEN_AI_OUTPUT_TYPE;
export const OPENAI_API_TYPE = A.OPENAI_API_TYPE;
export const OPENAI_REQUEST_SERVICE_TIER = A.OPENAI_REQUEST_SERVICE_TIER;
export const OPENAI_RESPONSE_SERVICE_TIER = A.OPENAI_RESPONSE_SERVICE_TIER;
export const OPENAI_RESPONSE_SYSTEM_FINGERPRINT = A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT;
export const SERVER_ADDRESS = A.SERVER_ADDRESS;
export const SERVER_PORT = A.SERVER_PORT;
export const HTTP_RESPONSE_STATUS_CODE = A.HTTP_RESPONSE_STATUS_CODE;
export const OPENAI_REQUEST_ID = A.OPENAI_REQUEST_ID;
export const OPENAI_ERROR_CODE = A.OPENAI_ERROR_CODE;
export const OPENAI_ERROR_TYPE = A.OPENAI_ERROR_TYPE;
export const OPENAI_RAW_RESPONSE = A.OPENAI_RAW_RESPONSE;
export const OPENAI_HELPER = A.OPENAI_HELPER;

import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { expect, test } from 'vitest';
import * as O from './attributes.js';

test('the GenAI, OpenAI, server and HTTP names are the OpenTelemetry conventions’ own', () => {
  expect(O.GEN_AI_RESPONSE_ID).toBe(semconv.ATTR_GEN_AI_RESPONSE_ID);
  expect(O.GEN_AI_RESPONSE_FINISH_REASONS).toBe(semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS);
  expect(O.GEN_AI_REQUEST_CHOICE_COUNT).toBe(semconv.ATTR_GEN_AI_REQUEST_CHOICE_COUNT);
  expect(O.GEN_AI_REQUEST_ENCODING_FORMATS).toBe(semconv.ATTR_GEN_AI_REQUEST_ENCODING_FORMATS);
  expect(O.GEN_AI_EMBEDDINGS_DIMENSION_COUNT).toBe(semconv.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT);
  expect(O.GEN_AI_OUTPUT_TYPE).toBe(semconv.ATTR_GEN_AI_OUTPUT_TYPE);
  expect(O.OPENAI_API_TYPE).toBe(semconv.ATTR_OPENAI_API_TYPE);
  expect(O.OPENAI_REQUEST_SERVICE_TIER).toBe(semconv.ATTR_OPENAI_REQUEST_SERVICE_TIER);
  expect(O.OPENAI_RESPONSE_SERVICE_TIER).toBe(semconv.ATTR_OPENAI_RESPONSE_SERVICE_TIER);
  expect(O.OPENAI_RESPONSE_SYSTEM_FINGERPRINT).toBe(semconv.ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT);
  expect(O.SERVER_ADDRESS).toBe(semconv.ATTR_SERVER_ADDRESS);
  expect(O.SERVER_PORT).toBe(semconv.ATTR_SERVER_PORT);
  expect(O.HTTP_RESPONSE_STATUS_CODE).toBe(semconv.ATTR_HTTP_RESPONSE_STATUS_CODE);
  expect(semconv.OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS).toBe('chat_completions');
  expect(semconv.OPENAI_API_TYPE_VALUE_RESPONSES).toBe('responses');
  expect(semconv.GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION).toBe('text_completion');
});

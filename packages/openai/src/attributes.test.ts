import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { expect, test } from 'vitest';
import { chatAdapter } from './adapters/chat.js';
import { responsesAdapter } from './adapters/responses.js';
import * as O from './attributes.js';

test('the GenAI, OpenAI, server and HTTP names are the OpenTelemetry conventions’ own', () => {
  // Core's own test checks the names it shares with every package; these are the ones this package adds.
  const expected: Record<string, string> = {
    GEN_AI_RESPONSE_ID: semconv.ATTR_GEN_AI_RESPONSE_ID,
    GEN_AI_RESPONSE_FINISH_REASONS: semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
    GEN_AI_REQUEST_CHOICE_COUNT: semconv.ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
    GEN_AI_REQUEST_ENCODING_FORMATS: semconv.ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
    GEN_AI_EMBEDDINGS_DIMENSION_COUNT: semconv.ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
    GEN_AI_OUTPUT_TYPE: semconv.ATTR_GEN_AI_OUTPUT_TYPE,
    OPENAI_API_TYPE: semconv.ATTR_OPENAI_API_TYPE,
    OPENAI_REQUEST_SERVICE_TIER: semconv.ATTR_OPENAI_REQUEST_SERVICE_TIER,
    OPENAI_RESPONSE_SERVICE_TIER: semconv.ATTR_OPENAI_RESPONSE_SERVICE_TIER,
    OPENAI_RESPONSE_SYSTEM_FINGERPRINT: semconv.ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
    SERVER_ADDRESS: semconv.ATTR_SERVER_ADDRESS,
    SERVER_PORT: semconv.ATTR_SERVER_PORT,
    HTTP_RESPONSE_STATUS_CODE: semconv.ATTR_HTTP_RESPONSE_STATUS_CODE,
  };
  const ours = O as unknown as Record<string, string>;
  for (const [name, value] of Object.entries(expected)) expect([name, ours[name]]).toEqual([name, value]);
});

test('the API types the adapters write are the conventions’ values', () => {
  expect(chatAdapter.apiType).toBe(semconv.OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS);
  expect(responsesAdapter.apiType).toBe(semconv.OPENAI_API_TYPE_VALUE_RESPONSES);
});

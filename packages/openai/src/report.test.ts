import { expect, test } from 'vitest';
import { toUsage } from './report.js';

test('chat and completions usage, with cached and reasoning tokens (kept at zero)', () => {
  expect(
    toUsage({
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 12, audio_tokens: 0, accepted_prediction_tokens: 3 },
    }),
  ).toEqual({
    inputTokens: 100,
    outputTokens: 40,
    totalTokens: 140,
    details: { cacheReadInputTokens: 0, reasoningOutputTokens: 12, acceptedPredictionTokens: 3 },
  });
});

test('responses usage', () => {
  expect(
    toUsage({
      input_tokens: 20,
      output_tokens: 6,
      total_tokens: 26,
      input_tokens_details: { cached_tokens: 8 },
      output_tokens_details: { reasoning_tokens: 3 },
    }),
  ).toEqual({
    inputTokens: 20,
    outputTokens: 6,
    totalTokens: 26,
    details: { cacheReadInputTokens: 8, reasoningOutputTokens: 3 },
  });
});

test('embeddings usage, and what is not usage', () => {
  expect(toUsage({ prompt_tokens: 9, total_tokens: 9 })).toEqual({ inputTokens: 9, totalTokens: 9 });
  expect(toUsage(null)).toBeUndefined();
  expect(toUsage({})).toBeUndefined();
  expect(toUsage({ prompt_tokens: -1, completion_tokens: Number.NaN, total_tokens: '3' })).toBeUndefined();
});

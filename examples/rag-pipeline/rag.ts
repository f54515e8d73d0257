import { parallel, pipeline } from '@lazytrace/core';
import {
  DenseRetriever,
  FakeChatModel,
  formatPrompt,
  QueryRewriter,
  Reranker,
  SparseRetriever,
  UnitConverter,
} from './components.js';

/**
 * rewrite → (dense ∥ sparse) → rerank → convert units (tool) → prompt → streaming LLM.
 * Record keys name the spans; their types are given: a question in, a token stream out.
 */
export function buildRag(tokenDelayMs = 3) {
  return pipeline<string, AsyncIterable<string>>(
    {
      rewrite: new QueryRewriter(),
      retrieve: parallel({ dense: new DenseRetriever(), sparse: new SparseRetriever() }),
      rerank: new Reranker(),
      convertUnits: new UnitConverter(),
      prompt: formatPrompt,
      llm: new FakeChatModel(tokenDelayMs),
    },
    { name: 'rag' },
  );
}

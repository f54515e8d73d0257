import * as A from './attributes.js';

/** What each lazytrace kind means to the conventions and tools its spans go to. */
export interface KindFacts {
  /** `gen_ai.operation.name` set on the kind's spans from their start (samplers see it). */
  readonly genAiOperation?: string;
  /** Langfuse observation type (`langfuse.observation.type`); none: a plain span. */
  readonly langfuseType?: string;
  /** Its output is a list of documents (recorded as documents, searched as such). */
  readonly documents?: boolean;
  /**
   * A model call: its span carries the model, usage and parameters (Langfuse expects a model
   * only on these), and a wrapped client called inside it reports to it instead of a span.
   */
  readonly model?: boolean;
}

/**
 * The one table of kind facts: core's tracing hook, the Langfuse exporter and the OpenAI wrapper
 * read it; `@lazytrace/traces` (no runtime dependency on core) keeps the reverse mapping, checked
 * against this table by test/kinds.
 */
export const KIND_FACTS = {
  flow: { langfuseType: 'chain' },
  module: {},
  llm: { genAiOperation: A.GEN_AI_OPERATION_CHAT, langfuseType: 'generation', model: true },
  retriever: { genAiOperation: A.GEN_AI_OPERATION_RETRIEVAL, langfuseType: 'retriever', documents: true },
  reranker: { documents: true },
  embedding: { genAiOperation: A.GEN_AI_OPERATION_EMBEDDINGS, langfuseType: 'embedding', model: true },
  tool: { genAiOperation: A.GEN_AI_OPERATION_EXECUTE_TOOL, langfuseType: 'tool' },
  agent: { genAiOperation: A.GEN_AI_OPERATION_INVOKE_AGENT, langfuseType: 'agent' },
  guardrail: { langfuseType: 'guardrail' },
  evaluator: { langfuseType: 'evaluator' },
} as const satisfies Readonly<Record<string, KindFacts>>;

/** The kinds lazytrace knows (any other string is a kind too, with no facts). */
export type KnownKind = keyof typeof KIND_FACTS;

const NONE: KindFacts = {};

/** The facts of a kind; an unknown kind has none. */
export function kindFacts(kind: string): KindFacts {
  return Object.hasOwn(KIND_FACTS, kind) ? KIND_FACTS[kind as KnownKind] : NONE;
}

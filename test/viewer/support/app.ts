import { setTimeout as sleep } from 'node:timers/promises';
import { type CallContext, fn, pipeline } from '@lazytrace/core';
import { runWithTraceContext } from '@lazytrace/core/internal';

/**
 * A small RAG app built from lazytrace modules, as a user writes one: retriever → prompt → llm.
 * Delays are parameters so tests can shape the latency distribution; `fail` makes the retriever
 * throw, which fails the request with a recorded exception.
 */
export interface RequestPlan {
  question: string;
  retrieveMs: number;
  llmMs: number;
  fail?: boolean;
  sessionId?: string;
  userId?: string;
  tags?: string[];
}

export function makeApp() {
  const plans = new Map<string, RequestPlan>();
  const planOf = (question: string) => plans.get(question)!;
  const app = pipeline(
    {
      retriever: fn(
        async (question: string) => {
          const p = planOf(question);
          await sleep(p.retrieveMs);
          if (p.fail) throw new Error(`vector store timeout after ${p.retrieveMs} ms`);
          return [`${question.split(' ')[0]} is documented in chapter 3`, 'see also the FAQ'];
        },
        { name: 'retriever', kind: 'retriever' },
      ),
      prompt: fn(
        (docs: string[], ctx: CallContext) => [
          { role: 'system', content: 'Answer from the context only.' },
          { role: 'user', content: `${String(ctx.input)}\n\nContext:\n${docs.join('\n')}` },
        ],
        { name: 'prompt' },
      ),
      llm: fn(
        async (messages: { role: string; content: string }[], ctx: CallContext) => {
          const question = messages[1]!.content.split('\n')[0]!;
          await sleep(planOf(question).llmMs);
          ctx.setModel('gpt-4o-mini');
          ctx.setUsage({ inputTokens: 120 + question.length, outputTokens: 42 });
          return `Answer to "${question}": see chapter 3.`;
        },
        { name: 'llm', kind: 'llm' },
      ),
    },
    { name: 'rag' },
  );
  /** Runs one request; a failing one resolves to its error (the test app catches it, as a server would). */
  return async (plan: RequestPlan): Promise<unknown> => {
    plans.set(plan.question, plan);
    return runWithTraceContext({ sessionId: plan.sessionId, userId: plan.userId, tags: plan.tags }, () =>
      app.invoke(plan.question),
    ).catch((e: unknown) => e);
  };
}

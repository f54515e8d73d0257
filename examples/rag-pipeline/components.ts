/**
 * Deterministic fake components for a RAG application: no model, no network, same output every
 * run. They behave like the real thing where tracing cares: latency, token streams, usage.
 */
import { type CallContext, Module } from '@lazytrace/core';

export interface Doc {
  readonly id: string;
  readonly text: string;
  readonly score?: number;
}

const CORPUS: readonly Doc[] = [
  { id: 'tides-1', text: 'Tides are caused mainly by the gravitational pull of the Moon on the oceans.' },
  { id: 'tides-2', text: 'The Sun also raises tides; spring tides happen when Sun and Moon align.' },
  { id: 'moon-1', text: 'The Moon orbits the Earth at an average distance of 384,400 km.' },
  { id: 'ocean-1', text: 'Oceans cover about 71 percent of the surface of the Earth.' },
  { id: 'units-1', text: 'One kilometre is about 0.621 miles.' },
  { id: 'cook-1', text: 'Pasta should be cooked in plenty of salted boiling water.' },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
const countTokens = (text: string) => Math.ceil(text.length / 4);

/** Rewrites the user's question into a search query (a small "LLM" call with usage). */
export class QueryRewriter extends Module<string, string> {
  override kind = 'llm';
  async forward(question: string, ctx: CallContext): Promise<string> {
    ctx.setModel({ request: 'fake-mini', response: 'fake-mini-2026-01', provider: 'fake' });
    ctx.setModelParameters({ temperature: 0 });
    await sleep(4);
    const query = words(question)
      .filter((w) => !['what', 'why', 'how', 'is', 'are', 'the', 'do', 'does', 'a', 'of'].includes(w))
      .join(' ');
    ctx.setUsage({ inputTokens: countTokens(question) + 20, outputTokens: countTokens(query) });
    return query;
  }
}

/** Dense retrieval stand-in: scores documents by shared character trigrams. */
export class DenseRetriever extends Module<string, Doc[]> {
  override kind = 'retriever';
  async forward(query: string): Promise<Doc[]> {
    await sleep(12);
    const grams = trigrams(query);
    return CORPUS.map((doc) => ({ ...doc, score: overlap(grams, trigrams(doc.text)) }))
      .filter((d) => d.score > 0.05)
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
  }
}

/** Sparse (keyword) retrieval stand-in: scores by shared words. */
export class SparseRetriever extends Module<string, Doc[]> {
  override kind = 'retriever';
  async forward(query: string): Promise<Doc[]> {
    await sleep(7);
    const terms = new Set(words(query));
    return CORPUS.map((doc) => ({ ...doc, score: words(doc.text).filter((w) => terms.has(w)).length }))
      .filter((d) => d.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
  }
}

/** Merges both result lists and keeps the best documents, deduplicated. */
export class Reranker extends Module<{ dense: Doc[]; sparse: Doc[] }, Doc[]> {
  override kind = 'reranker';
  async forward({ dense, sparse }: { dense: Doc[]; sparse: Doc[] }): Promise<Doc[]> {
    await sleep(3);
    const byId = new Map<string, Doc & { score: number }>();
    [...dense, ...sparse].forEach((doc, rank) => {
      const previous = byId.get(doc.id);
      const score = (previous?.score ?? 0) + 1 / (rank + 1);
      byId.set(doc.id, { ...doc, score });
    });
    return [...byId.values()].sort((a, b) => b.score - a.score).slice(0, 3);
  }
}

/** A tool the application calls: converts kilometres in the documents to miles. */
export class UnitConverter extends Module<Doc[], Doc[]> {
  override kind = 'tool';
  async forward(docs: Doc[]): Promise<Doc[]> {
    await sleep(1);
    return docs.map((doc) => ({
      ...doc,
      text: doc.text.replace(/([\d,]+) km/g, (_, km: string) => {
        const miles = Math.round(Number(km.replace(/,/g, '')) * 0.621371);
        return `${km} km (${miles.toLocaleString('en-US')} miles)`;
      }),
    }));
  }
}

/** A chat model that streams its answer token by token and reports usage at the end of the stream. */
export class FakeChatModel extends Module<string, AsyncIterable<string>> {
  override kind = 'llm';

  constructor(
    private readonly tokenDelayMs = 3,
    options?: { name?: string },
  ) {
    super(options);
  }

  async *forward(prompt: string, ctx: CallContext): AsyncGenerator<string> {
    ctx.setModel({ request: 'fake-chat', response: 'fake-chat-2026-01', provider: 'fake' });
    ctx.setModelParameters({ temperature: 0.2, max_tokens: 256 });
    const context = prompt.split('\n').filter((line) => line.startsWith('- '));
    const answer =
      context.length === 0
        ? "I don't know: nothing in the knowledge base covers that."
        : `Based on ${context.length} source(s): ${context.map((l) => l.slice(2)).join(' ')}`;
    const tokens = answer.match(/\S+\s*/g) ?? [];
    await sleep(this.tokenDelayMs * 5); // time to first token
    for (const token of tokens) {
      await sleep(this.tokenDelayMs);
      yield token;
    }
    ctx.setUsage({ inputTokens: countTokens(prompt), outputTokens: tokens.length });
  }
}

/** Builds the prompt from the question (the flow's input) and the documents. */
export function formatPrompt(docs: Doc[], ctx: CallContext<string>): string {
  return [
    'Answer the question using only the context.',
    `Question: ${ctx.input}`,
    'Context:',
    ...docs.map((d) => `- ${d.text}`),
  ].join('\n');
}

function trigrams(text: string): Set<string> {
  const t = ` ${text.toLowerCase()} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

function overlap(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return shared / Math.max(1, a.size);
}

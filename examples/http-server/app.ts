import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTrace } from '@lazytrace/config';
import { fn, parallel, pipeline } from '@lazytrace/core';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small request pipeline: classify the question, look it up two ways, answer. */
export const answerQuestion = pipeline<string, string>(
  {
    classify: fn(async (q: string) => {
      await pause(Math.random() * 3);
      return q.trim().toLowerCase();
    }),
    lookup: parallel({
      faq: fn(
        async (q: string) => {
          await pause(Math.random() * 3);
          return `faq:${q}`;
        },
        { kind: 'retriever' },
      ),
      docs: fn(async (q: string) => `docs:${q}`, { kind: 'retriever' }),
    }),
    answer: (found: { faq: string; docs: string }, ctx) => `${ctx.input} → ${found.faq} | ${found.docs}`,
  },
  { name: 'answer-question' },
);

/**
 * Each request sets its own session and user from its headers with `setTrace`: the setting
 * belongs to this request's async context and everything it awaits, never to another request.
 */
export async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const sessionId = header('x-session-id');
  const userId = header('x-user-id');
  setTrace({ ...(sessionId && { sessionId }), ...(userId && { userId }), tags: ['http'] });
  const question = new URL(req.url ?? '/', 'http://localhost').searchParams.get('q') ?? '';
  try {
    const answer = await answerQuestion.invoke(question);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ answer }));
  } catch (error) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: (error as Error).message }));
  }
}

export function createApp(): Server {
  return createServer((req, res) => void handle(req, res));
}

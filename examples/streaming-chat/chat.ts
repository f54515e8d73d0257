import { type CallContext, Module, pipeline } from '@lazytrace/core';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/**
 * A deterministic fake chat model: streams its reply word by word, like an OpenAI-style
 * stream, and reports model and token usage once the stream is done (as real APIs do in their
 * last chunk).
 */
export class FakeStreamingChat extends Module<ChatMessage[], AsyncIterable<string>> {
  override kind = 'llm';

  constructor(private readonly delayMs = 5) {
    super({ name: 'chat' });
  }

  async *forward(messages: ChatMessage[], ctx: CallContext): AsyncGenerator<string> {
    ctx.setModel({ request: 'fake-chat-large', provider: 'fake' });
    ctx.setModelParameters({ temperature: 0.7, max_tokens: 128 });
    const question = messages.at(-1)?.content ?? '';
    const reply = `You asked: "${question}". Streaming answers keep their span open until the last token.`;
    const words = reply.match(/\S+\s*/g) ?? [];
    for (const word of words) {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      yield word;
    }
    const promptTokens = messages.reduce((n, m) => n + Math.ceil(m.content.length / 4), 0);
    ctx.setModel({ response: 'fake-chat-large-2026-05' });
    ctx.setUsage({ inputTokens: promptTokens, outputTokens: words.length });
  }
}

/** system prompt → chat model (streaming). The pipeline's span ends with the stream. */
export function buildChat(delayMs = 5) {
  // Record steps (keys name the spans) say their types: a question in, a token stream out.
  return pipeline<string, AsyncIterable<string>>(
    {
      toMessages: (question: string): ChatMessage[] => [
        { role: 'system', content: 'You are a concise assistant.' },
        { role: 'user', content: question },
      ],
      chat: new FakeStreamingChat(delayMs),
    },
    { name: 'chat-request' },
  );
}

/**
 * Three ways an application talks to OpenAI, each traced by `wrapOpenAI` with no reporting code:
 * a streamed answer, a tool-calling run (`runTools`: one span for the run, one per request), and
 * an `llm` module of a lazytrace pipeline that calls the client (one generation, not two).
 */
import { type CallContext, fn, Module, pipeline } from '@lazytrace/core';
import { wrapOpenAI } from '@lazytrace/openai';
import OpenAI from 'openai';

export function tracedClient(options: { baseURL?: string; apiKey: string }): OpenAI {
  return wrapOpenAI(new OpenAI({ ...options, maxRetries: 1 }));
}

/** Streams an answer to `write`; returns the whole text. */
export async function streamAnswer(
  client: OpenAI,
  model: string,
  question: string,
  write: (t: string) => void,
) {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: question }],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) {
    const token = chunk.choices[0]?.delta.content ?? '';
    text += token;
    write(token);
  }
  return text;
}

/** A tool-calling run: the model asks for the weather, the tool answers, the model concludes. */
export async function weatherRun(client: OpenAI, model: string): Promise<string | null> {
  const runner = client.chat.completions.runTools({
    model,
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          parse: JSON.parse,
          function: ({ city }: { city: string }) => `sunny and 21°C in ${city}`,
        },
      },
    ],
  });
  return runner.finalContent();
}

/** An `llm` module in a pipeline: its span is the generation (model and usage land on it). */
class Answer extends Module<string, string> {
  override kind = 'llm';
  constructor(
    private readonly client: OpenAI,
    private readonly model: string,
  ) {
    super();
  }
  async forward(prompt: string, _ctx: CallContext): Promise<string> {
    const completion = await this.client.chat.completions.create({
      model: this.model,
      messages: [{ role: 'user', content: prompt }],
      temperature: 0.2,
    });
    return completion.choices[0]?.message.content ?? '';
  }
}

export function ragPipeline(client: OpenAI, model: string) {
  return pipeline<string, string>(
    {
      retrieve: fn(
        async (question: string) => [`lazytrace records one span per call`, `about: ${question}`],
        {
          kind: 'retriever',
        },
      ),
      prompt: fn(
        (docs: string[], ctx: CallContext) => `Context:\n${docs.join('\n')}\n\nQuestion: ${ctx.input}`,
      ),
      answer: new Answer(client, model),
    },
    { name: 'rag' },
  );
}

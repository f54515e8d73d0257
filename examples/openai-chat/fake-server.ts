/**
 * A tiny OpenAI-compatible server on 127.0.0.1, so the example runs with no network and no key:
 * `POST /v1/chat/completions`, plain or streamed (SSE, with the usage chunk when asked for), and
 * a tool call when tools are offered and no tool result is in the conversation yet.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  readonly baseURL: string;
  close(): Promise<void>;
}

export async function startFakeServer(): Promise<FakeServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      requests++;
      const body = raw ? JSON.parse(raw) : {};
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: `no route ${req.url}`, type: 'invalid_request_error', code: null },
          }),
        );
        return;
      }
      const { message, finish } = answer(body);
      const usage = {
        prompt_tokens: 20 + body.messages.length,
        completion_tokens: 9,
        total_tokens: 29 + body.messages.length,
      };
      const base = {
        id: `chatcmpl-${requests}`,
        created: Math.floor(Date.now() / 1000),
        model: `${body.model}-fake`,
      };
      const headers = { 'x-request-id': `req_${requests}` };
      if (!body.stream) {
        res.writeHead(200, { ...headers, 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message, finish_reason: finish }],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream' });
      const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
      const chunk = (delta: unknown, finish_reason: string | null = null) =>
        send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }] });
      chunk({ role: 'assistant', content: '' });
      if (message.tool_calls) {
        const call = message.tool_calls[0]!;
        chunk({
          tool_calls: [
            {
              index: 0,
              id: call.id,
              type: 'function',
              function: { name: call.function.name, arguments: '' },
            },
          ],
        });
        for (const piece of call.function.arguments.match(/.{1,6}/g) ?? []) {
          chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
        }
      } else {
        for (const word of (message.content ?? '').split(/(?= )/)) chunk({ content: word });
      }
      chunk({}, finish);
      if (body.stream_options?.include_usage)
        send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Message {
  role: 'assistant';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

function answer(body: {
  messages: { role: string; content?: unknown }[];
  tools?: { function: { name: string } }[];
}): {
  message: Message;
  finish: string;
} {
  const toolResult = body.messages.find((m) => m.role === 'tool');
  if (body.tools?.length && !toolResult) {
    const name = body.tools[0]!.function.name;
    return {
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name, arguments: '{"city":"Paris"}' } }],
      },
      finish: 'tool_calls',
    };
  }
  const question = String(body.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
  const content = toolResult
    ? `The weather service says: ${String(toolResult.content)}.`
    : `You asked "${question}". This answer comes from a local fake, traced like the real API.`;
  return { message: { role: 'assistant', content }, finish: 'stop' };
}

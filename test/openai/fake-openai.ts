import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local OpenAI-compatible server for tests and benchmarks: real HTTP on 127.0.0.1, answers as
 * the OpenAI API does (JSON, SSE streams with `data: [DONE]`, usage chunks when asked for,
 * tool-call deltas, `x-request-id`), deterministic (fixed ids and timestamps), so the same
 * request gets byte-identical answers whether the client is wrapped or not. A `Script` can
 * replace any answer: HTTP errors, an error event or a dropped connection mid-stream, a stream
 * that stalls. The server stops by itself after `lifetimeMs` (unref'd timer) if nobody closes it.
 */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: any;
}

export interface SseEvent {
  readonly event?: string;
  /** JSON-encoded unless it is the string `[DONE]`. */
  readonly data: unknown;
}

export type Reply =
  | { readonly kind: 'json'; readonly status?: number; readonly body: unknown; readonly delayMs?: number }
  | {
      readonly kind: 'sse';
      readonly events: readonly SseEvent[];
      /** After the events: end the response (default), destroy the socket, or keep it open. */
      readonly end?: 'end' | 'destroy' | 'hang';
      /** Pause between events (default none: one write). */
      readonly delayMs?: number;
    };

export type Script = (request: FakeRequest, requestNumber: number) => Reply;

export interface FakeOpenAI {
  /** Base URL for the OpenAI client (`…/v1`). */
  readonly baseURL: string;
  readonly requests: FakeRequest[];
  /** Replaceable between calls; `undefined` → the default, OpenAI-like answers. */
  script: Script | undefined;
  close(): Promise<void>;
}

export async function startFakeOpenAI(
  options: { script?: Script; lifetimeMs?: number } = {},
): Promise<FakeOpenAI> {
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let count = 0;
  const fake: FakeOpenAI = {
    baseURL: '',
    requests: [],
    script: options.script,
    close,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      };
      fake.requests.push(request);
      count++;
      const reply = (fake.script ?? defaultScript)(request, count);
      send(res, reply, `req_${count}`, timers);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (fake as { baseURL: string }).baseURL = `http://127.0.0.1:${port}/v1`;
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 120_000);
  lifetime.unref();

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
    return closing;
  }
  return fake;
}

function send(
  res: ServerResponse,
  reply: Reply,
  requestId: string,
  timers: Set<ReturnType<typeof setTimeout>>,
): void {
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  if (reply.kind === 'json') {
    const write = () => {
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-request-id': requestId,
      });
      res.end(text);
    };
    if (reply.delayMs) later(write, reply.delayMs);
    else write();
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-request-id': requestId,
  });
  const frames = reply.events.map(
    (e) =>
      `${e.event ? `event: ${e.event}\n` : ''}data: ${e.data === '[DONE]' ? '[DONE]' : JSON.stringify(e.data)}\n\n`,
  );
  const finish = () => {
    if (reply.end === 'destroy') res.socket?.destroy();
    else if (reply.end !== 'hang') res.end();
  };
  if (!reply.delayMs) {
    res.write(frames.join(''));
    // Let the bytes leave before a destroy, so the client sees the events, then the failure.
    if (reply.end === 'destroy') later(finish, 20);
    else finish();
    return;
  }
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i < frames.length) {
      res.write(frames[i++]!);
      later(next, reply.delayMs!);
    } else finish();
  };
  next();
}

// ---------------------------------------------------------------------------------------------
// The default, OpenAI-like answers.

export const CREATED = 1_700_000_000;
export const ANSWER_TOKENS = ['Hello', ' from', ' the', ' fake', '.'];
export const TOOL_ARGUMENT_PIECES = ['{"ci', 'ty": "Par', 'is"}'];
export const CHAT_USAGE = {
  prompt_tokens: 12,
  completion_tokens: 5,
  total_tokens: 17,
  prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0 },
};
export const RESPONSES_USAGE = {
  input_tokens: 20,
  output_tokens: 6,
  total_tokens: 26,
  input_tokens_details: { cached_tokens: 8 },
  output_tokens_details: { reasoning_tokens: 3 },
};

export const defaultScript: Script = (request) => {
  switch (request.path) {
    case '/v1/chat/completions':
      return chatReply(request.body);
    case '/v1/responses':
      return responsesReply(request.body);
    case '/v1/embeddings':
      return embeddingsReply(request.body);
    case '/v1/completions':
      return completionsReply(request.body);
    default:
      return errorReply(404, {
        message: `no route ${request.path}`,
        type: 'invalid_request_error',
        code: 'not_found',
      });
  }
};

export function errorReply(
  status: number,
  error: { message: string; type: string; code: string | null },
): Reply {
  return { kind: 'json', status, body: { error: { ...error, param: null } } };
}

/** Whether the conversation asks for a tool call (tools offered, no tool result yet). */
function wantsToolCall(body: any): boolean {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  return Array.isArray(body?.tools) && body.tools.length > 0 && !messages.some((m) => m?.role === 'tool');
}

export function chatReply(body: any): Reply {
  const model = `${body?.model ?? 'gpt-test'}-2024-08-06`;
  const toolCall = wantsToolCall(body);
  const toolName = body?.tools?.[0]?.function?.name ?? 'get_weather';
  if (body?.stream !== true) {
    const message = toolCall
      ? {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: toolName, arguments: TOOL_ARGUMENT_PIECES.join('') },
            },
          ],
        }
      : { role: 'assistant', content: ANSWER_TOKENS.join(''), refusal: null };
    return {
      kind: 'json',
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: CREATED,
        model,
        system_fingerprint: 'fp_fake',
        service_tier: 'default',
        choices: [{ index: 0, message, logprobs: null, finish_reason: toolCall ? 'tool_calls' : 'stop' }],
        usage: CHAT_USAGE,
      },
    };
  }
  const includeUsage = body?.stream_options?.include_usage === true;
  const chunk = (delta: object, finish: string | null = null): SseEvent => ({
    data: {
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
      // OpenAI pads stream chunks with an `obfuscation` field, after `usage`.
      obfuscation: 'pad',
    },
  });
  const events: SseEvent[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  if (toolCall) {
    events.push(
      chunk({
        tool_calls: [
          { index: 0, id: 'call_1', type: 'function', function: { name: toolName, arguments: '' } },
        ],
      }),
    );
    for (const piece of TOOL_ARGUMENT_PIECES)
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    events.push(chunk({}, 'tool_calls'));
  } else {
    for (const token of ANSWER_TOKENS) events.push(chunk({ content: token }));
    events.push(chunk({}, 'stop'));
  }
  if (includeUsage) {
    events.push({
      data: {
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: CREATED,
        model,
        system_fingerprint: 'fp_fake',
        choices: [],
        usage: CHAT_USAGE,
        obfuscation: 'pad',
      },
    });
  }
  events.push({ data: '[DONE]' });
  return { kind: 'sse', events };
}

function responseObject(body: any, status: 'in_progress' | 'completed', withOutput: boolean): object {
  const model = `${body?.model ?? 'gpt-test'}-2024-08-06`;
  const toolCall = Array.isArray(body?.tools) && body.tools.length > 0;
  const output = !withOutput
    ? []
    : toolCall
      ? [
          {
            type: 'function_call',
            id: 'fc_1',
            call_id: 'call_1',
            name: body.tools[0].name ?? 'get_weather',
            arguments: TOOL_ARGUMENT_PIECES.join(''),
            status: 'completed',
          },
        ]
      : [
          {
            type: 'message',
            id: 'msg_1',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: ANSWER_TOKENS.join(''), annotations: [] }],
          },
        ];
  return {
    id: 'resp_1',
    object: 'response',
    created_at: CREATED,
    status,
    model,
    output,
    error: null,
    incomplete_details: null,
    instructions: body?.instructions ?? null,
    temperature: body?.temperature ?? 1,
    top_p: 1,
    tools: body?.tools ?? [],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    usage: status === 'completed' ? RESPONSES_USAGE : null,
  };
}

export function responsesReply(body: any): Reply {
  if (body?.stream !== true) return { kind: 'json', body: responseObject(body, 'completed', true) };
  const toolCall = Array.isArray(body?.tools) && body.tools.length > 0;
  let seq = 0;
  const ev = (type: string, fields: object): SseEvent => ({
    event: type,
    data: { type, sequence_number: seq++, ...fields },
  });
  const events: SseEvent[] = [
    ev('response.created', { response: responseObject(body, 'in_progress', false) }),
    ev('response.in_progress', { response: responseObject(body, 'in_progress', false) }),
  ];
  if (toolCall) {
    const name = body.tools[0].name ?? 'get_weather';
    events.push(
      ev('response.output_item.added', {
        output_index: 0,
        item: {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'call_1',
          name,
          arguments: '',
          status: 'in_progress',
        },
      }),
    );
    for (const piece of TOOL_ARGUMENT_PIECES) {
      events.push(
        ev('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 0, delta: piece }),
      );
    }
    const args = TOOL_ARGUMENT_PIECES.join('');
    events.push(
      ev('response.function_call_arguments.done', { item_id: 'fc_1', output_index: 0, arguments: args }),
    );
    events.push(
      ev('response.output_item.done', {
        output_index: 0,
        item: {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'call_1',
          name,
          arguments: args,
          status: 'completed',
        },
      }),
    );
  } else {
    events.push(
      ev('response.output_item.added', {
        output_index: 0,
        item: { type: 'message', id: 'msg_1', status: 'in_progress', role: 'assistant', content: [] },
      }),
    );
    events.push(
      ev('response.content_part.added', {
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      }),
    );
    for (const token of ANSWER_TOKENS) {
      events.push(
        ev('response.output_text.delta', {
          item_id: 'msg_1',
          output_index: 0,
          content_index: 0,
          delta: token,
          logprobs: [],
        }),
      );
    }
    const text = ANSWER_TOKENS.join('');
    const part = { type: 'output_text', text, annotations: [] };
    events.push(
      ev('response.output_text.done', {
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        text,
        logprobs: [],
      }),
    );
    events.push(
      ev('response.content_part.done', { item_id: 'msg_1', output_index: 0, content_index: 0, part }),
    );
    events.push(
      ev('response.output_item.done', {
        output_index: 0,
        item: { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [part] },
      }),
    );
  }
  events.push(ev('response.completed', { response: responseObject(body, 'completed', true) }));
  return { kind: 'sse', events };
}

export function embeddingsReply(body: any): Reply {
  const inputs: unknown[] = Array.isArray(body?.input) ? body.input : [body?.input];
  const dims = typeof body?.dimensions === 'number' ? body.dimensions : 4;
  const data = inputs.map((_, index) => {
    const vector = Array.from({ length: dims }, (_, i) => (index + 1) / (i + 2));
    const embedding =
      body?.encoding_format === 'base64'
        ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
        : vector;
    return { object: 'embedding', index, embedding };
  });
  return {
    kind: 'json',
    body: {
      object: 'list',
      data,
      model: body?.model ?? 'text-embedding-3-small',
      usage: { prompt_tokens: 3 * inputs.length, total_tokens: 3 * inputs.length },
    },
  };
}

export function completionsReply(body: any): Reply {
  const model = body?.model ?? 'gpt-3.5-turbo-instruct';
  if (body?.stream !== true) {
    return {
      kind: 'json',
      body: {
        id: 'cmpl-1',
        object: 'text_completion',
        created: CREATED,
        model,
        choices: [{ index: 0, text: ANSWER_TOKENS.join(''), logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 },
      },
    };
  }
  const includeUsage = body?.stream_options?.include_usage === true;
  const events: SseEvent[] = ANSWER_TOKENS.map((token, i) => ({
    data: {
      id: 'cmpl-1',
      object: 'text_completion',
      created: CREATED,
      model,
      choices: [
        {
          index: 0,
          text: token,
          logprobs: null,
          finish_reason: i === ANSWER_TOKENS.length - 1 ? 'stop' : null,
        },
      ],
    },
  }));
  if (includeUsage) {
    events.push({
      data: {
        id: 'cmpl-1',
        object: 'text_completion',
        created: CREATED,
        model,
        choices: [],
        usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 },
      },
    });
  }
  events.push({ data: '[DONE]' });
  return { kind: 'sse', events };
}

// ---------------------------------------------------------------------------------------------
// Script variations used by the tests.

/** The default answer's first `count` events, then an error event (the API's mid-stream error). */
export function errorEventAfter(count: number): Script {
  return (request, n) => {
    const reply = defaultScript(request, n);
    if (reply.kind !== 'sse') return reply;
    return {
      kind: 'sse',
      events: [
        ...reply.events.slice(0, count),
        {
          event: 'error',
          data: {
            error: {
              message: 'The server had an error while processing your request.',
              type: 'server_error',
              code: 'server_error',
            },
          },
        },
      ],
    };
  };
}

/** The default answer's first `count` events, then the connection drops. */
export function disconnectAfter(count: number): Script {
  return (request, n) => {
    const reply = defaultScript(request, n);
    if (reply.kind !== 'sse') return reply;
    return { kind: 'sse', events: reply.events.slice(0, count), end: 'destroy' };
  };
}

/** The default answer, one event every `delayMs` (for aborts while the stream is running). */
export function slowly(delayMs: number): Script {
  return (request, n) => {
    const reply = defaultScript(request, n);
    return reply.kind === 'sse' ? { ...reply, delayMs } : { ...reply, delayMs };
  };
}

/** Every request answered with this HTTP error. */
export function failWith(status: number, code: string, message = 'Rate limit reached'): Script {
  return () =>
    errorReply(status, { message, type: status === 429 ? 'rate_limit_error' : 'server_error', code });
}

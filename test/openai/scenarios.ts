import type OpenAI from 'openai';
import {
  defaultScript,
  disconnectAfter,
  errorEventAfter,
  failWith,
  type Script,
  slowly,
} from './fake-openai.js';

/**
 * The conformance matrix's vocabulary: what is called, how the call ends, and how the caller
 * reads the result. A scenario does what an application does and returns what it saw, as plain
 * JSON, so the same scenario run with an unwrapped and a wrapped client can be compared.
 */
export type Method =
  | 'chat.completions.create'
  | 'chat.completions.create(stream)'
  | 'chat.completions.parse'
  | 'chat.completions.stream'
  | 'chat.completions.runTools'
  | 'chat.completions.runTools(stream)'
  | 'responses.create'
  | 'responses.create(stream)'
  | 'responses.stream'
  | 'embeddings.create'
  | 'completions.create'
  | 'completions.create(stream)';

export type Ending =
  | 'complete'
  | 'break'
  | 'abort'
  | 'signal'
  | 'error mid-stream'
  | 'disconnect'
  | 'http error'
  | 'never iterated';

export type Access = 'plain' | 'withResponse' | 'asResponse' | 'tee' | 'toReadableStream' | 'events';

export interface Cell {
  readonly method: Method;
  readonly ending: Ending;
  readonly access: Access;
}

/** What the caller saw, as comparable JSON. */
export type Seen = Record<string, unknown>;

const STREAMS = new Set<Method>([
  'chat.completions.create(stream)',
  'responses.create(stream)',
  'completions.create(stream)',
]);
const HELPERS = new Set<Method>(['chat.completions.stream', 'responses.stream']);
const RUNNERS = new Set<Method>(['chat.completions.runTools', 'chat.completions.runTools(stream)']);

/** Every cell that applies, method by method. */
export function matrix(): Cell[] {
  const cells: Cell[] = [];
  const add = (method: Method, endings: Ending[], accesses: Access[]) => {
    for (const ending of endings) for (const access of accesses) cells.push({ method, ending, access });
  };
  for (const method of STREAMS) {
    add(
      method,
      ['complete', 'break', 'abort', 'signal', 'error mid-stream', 'disconnect', 'never iterated'],
      ['plain', 'withResponse', 'tee', 'toReadableStream'],
    );
    add(method, ['http error'], ['plain', 'withResponse']);
  }
  for (const method of [
    'chat.completions.create',
    'chat.completions.parse',
    'responses.create',
    'embeddings.create',
    'completions.create',
  ] as const) {
    add(method, ['complete', 'http error', 'abort'], ['plain', 'withResponse']);
    if (method !== 'chat.completions.parse') add(method, ['complete'], ['asResponse']);
  }
  for (const method of HELPERS) {
    add(
      method,
      ['complete', 'abort', 'signal', 'error mid-stream', 'disconnect', 'http error'],
      ['plain', 'events'],
    );
    add(method, ['break'], ['plain']);
    // ResponseStream has no toReadableStream() (v7).
    if (method === 'chat.completions.stream') add(method, ['complete', 'break'], ['toReadableStream']);
  }
  for (const method of RUNNERS)
    add(method, ['complete', 'abort', 'error mid-stream', 'http error'], ['events']);
  return cells;
}

export function isStreamMethod(method: Method): boolean {
  return STREAMS.has(method) || HELPERS.has(method) || RUNNERS.has(method);
}

/** The server's behaviour for a cell. */
export function scriptFor(cell: Cell): Script {
  if (RUNNERS.has(cell.method)) {
    switch (cell.ending) {
      case 'http error':
        return failWith(429, 'rate_limit_exceeded');
      // The first request (the tool call) succeeds, the second one fails.
      case 'error mid-stream':
        return (request, n) =>
          request.body?.messages?.some((m: { role?: string }) => m.role === 'tool')
            ? failWith(500, 'server_error', 'The server had an error')(request, n)
            : defaultScript(request, n);
      default:
        return defaultScript;
    }
  }
  switch (cell.ending) {
    case 'error mid-stream':
      return errorEventAfter(3);
    case 'disconnect':
      return disconnectAfter(3);
    case 'http error':
      return failWith(429, 'rate_limit_exceeded');
    case 'abort':
    case 'signal':
      // Aborts happen while the stream is still arriving (and before a slow JSON answer).
      return isStreamMethod(cell.method) ? slowly(3) : slowly(400);
    default:
      return defaultScript;
  }
}

/** Chunks read before a `break` or an abort. */
const READ_BEFORE_STOP = 2;

const MESSAGES = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say hello.' },
];
const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

/** Runs one cell's scenario with `client` and returns what the caller saw. */
export async function runScenario(client: OpenAI, cell: Cell): Promise<Seen> {
  const seen: Seen = {};
  try {
    await scenario(client, cell, seen);
  } catch (error) {
    seen.error = describeError(error);
  }
  return normalize(seen);
}

async function scenario(client: OpenAI, cell: Cell, seen: Seen): Promise<void> {
  const { method, ending, access } = cell;
  const controller = new AbortController();
  const options =
    ending === 'signal' || (ending === 'abort' && !isStreamMethod(method))
      ? { signal: controller.signal }
      : undefined;
  if (ending === 'abort' && !isStreamMethod(method)) setTimeout(() => controller.abort(), 30);

  switch (method) {
    case 'chat.completions.create':
    case 'chat.completions.parse':
    case 'responses.create':
    case 'embeddings.create':
    case 'completions.create': {
      const promise = plainCall(client, method, options);
      await readPromise(promise, access, seen);
      return;
    }
    case 'chat.completions.create(stream)':
    case 'responses.create(stream)':
    case 'completions.create(stream)': {
      const promise = streamCall(client, method, options);
      let stream: any;
      if (access === 'withResponse') {
        const { data, response, request_id } = await promise.withResponse();
        seen.status = response.status;
        seen.requestId = request_id;
        stream = data;
      } else {
        stream = await promise;
      }
      seen.isStream = typeof stream.tee === 'function' && typeof stream.controller?.abort === 'function';
      if (ending === 'never iterated') {
        if (access === 'tee') stream.tee();
        if (access === 'toReadableStream') stream.toReadableStream();
        return;
      }
      const stopAt = (count: number) => {
        if (count !== READ_BEFORE_STOP) return false;
        if (ending === 'abort') stream.controller.abort();
        if (ending === 'signal') controller.abort();
        return ending === 'break';
      };
      if (access === 'tee') {
        const [left, right] = stream.tee();
        seen.left = await readIterable(left, stopAt, seen, 'leftError');
        seen.right = await readIterable(
          right,
          (n: number) => ending === 'break' && n === READ_BEFORE_STOP,
          seen,
          'rightError',
        );
      } else if (access === 'toReadableStream') {
        seen.lines = await readReadable(stream.toReadableStream(), stopAt, seen);
      } else {
        seen.chunks = await readIterable(stream, stopAt, seen, 'error');
      }
      return;
    }
    case 'chat.completions.stream':
    case 'responses.stream': {
      const runner: any =
        method === 'chat.completions.stream'
          ? client.chat.completions.stream({ model: 'gpt-4o-mini', messages: MESSAGES }, options)
          : client.responses.stream(
              {
                model: 'gpt-4.1-mini',
                input: 'Say hello.',
                instructions: 'You are terse.',
              },
              options,
            );
      const stopAt = (count: number) => {
        if (count !== READ_BEFORE_STOP) return false;
        if (ending === 'abort') runner.abort();
        if (ending === 'signal') controller.abort();
        return ending === 'break';
      };
      if (access === 'events') {
        const deltas: unknown[] = [];
        if (method === 'chat.completions.stream') {
          runner.on('content', (delta: string) => {
            deltas.push(delta);
            stopAt(deltas.length);
          });
          seen.deltas = deltas;
          seen.final = await runner.finalChatCompletion();
        } else {
          runner.on('response.output_text.delta', (event: { delta: string }) => {
            deltas.push(event.delta);
            stopAt(deltas.length);
          });
          seen.deltas = deltas;
          seen.final = await runner.finalResponse();
        }
      } else if (access === 'toReadableStream') {
        seen.lines = await readReadable(runner.toReadableStream(), stopAt, seen);
      } else {
        seen.chunks = await readIterable(runner, stopAt, seen, 'error');
      }
      return;
    }
    case 'chat.completions.runTools':
    case 'chat.completions.runTools(stream)': {
      const runner: any = client.chat.completions.runTools({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        stream: method === 'chat.completions.runTools(stream)',
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather in a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
              parse: JSON.parse,
              function: (args: { city: string }) => {
                if (ending === 'abort') runner.abort();
                return `Sunny in ${args.city}`;
              },
            },
          },
        ],
      } as any);
      const messages: unknown[] = [];
      runner.on('message', (m: unknown) => messages.push(m));
      seen.messages = messages;
      seen.final = await runner.finalContent();
      return;
    }
  }
}

function plainCall(client: OpenAI, method: Method, options: { signal: AbortSignal } | undefined): any {
  switch (method) {
    case 'chat.completions.create':
      return client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: MESSAGES, temperature: 0.2 },
        options,
      );
    case 'chat.completions.parse':
      return client.chat.completions.parse(
        {
          model: 'gpt-4o-mini',
          messages: MESSAGES,
          tools: TOOLS.map((t) => ({ ...t, function: { ...t.function, strict: true } })) as any,
        },
        options,
      );
    case 'responses.create':
      return client.responses.create(
        { model: 'gpt-4.1-mini', input: 'Say hello.', instructions: 'You are terse.' },
        options,
      );
    case 'embeddings.create':
      return client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] }, options);
    case 'completions.create':
      return client.completions.create(
        { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hello.', max_tokens: 8 },
        options,
      );
    default:
      throw new Error(`not a plain method: ${method}`);
  }
}

function streamCall(client: OpenAI, method: Method, options: { signal: AbortSignal } | undefined): any {
  switch (method) {
    case 'chat.completions.create(stream)':
      return client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: MESSAGES, stream: true },
        options,
      );
    case 'responses.create(stream)':
      return client.responses.create({ model: 'gpt-4.1-mini', input: 'Say hello.', stream: true }, options);
    case 'completions.create(stream)':
      return client.completions.create(
        { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hello.', stream: true },
        options,
      );
    default:
      throw new Error(`not a stream method: ${method}`);
  }
}

async function readPromise(promise: any, access: Access, seen: Seen): Promise<void> {
  if (access === 'withResponse') {
    const { data, response, request_id } = await promise.withResponse();
    seen.status = response.status;
    seen.requestId = request_id;
    seen.data = data;
  } else if (access === 'asResponse') {
    const response: Response = await promise.asResponse();
    seen.status = response.status;
    seen.requestId = response.headers.get('x-request-id');
    seen.body = await response.text();
  } else {
    seen.data = await promise;
  }
}

async function readIterable(
  iterable: AsyncIterable<unknown>,
  stopAt: (count: number) => boolean,
  seen: Seen,
  errorKey: string,
): Promise<unknown[]> {
  const chunks: unknown[] = [];
  try {
    for await (const chunk of iterable) {
      chunks.push(chunk);
      if (stopAt(chunks.length)) break;
    }
  } catch (error) {
    seen[errorKey] = describeError(error);
  }
  return chunks;
}

async function readReadable(
  readable: ReadableStream<Uint8Array>,
  stopAt: (count: number) => boolean,
  seen: Seen,
): Promise<unknown[]> {
  const reader = readable.getReader();
  const decoder = new TextDecoder();
  const lines: unknown[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      lines.push(decoder.decode(value));
      if (stopAt(lines.length)) {
        await reader.cancel();
        break;
      }
    }
  } catch (error) {
    seen.error = describeError(error);
  }
  return lines;
}

export function describeError(error: unknown): unknown {
  if (!(error instanceof Error)) return { thrown: String(error) };
  const e = error as Error & { status?: unknown; code?: unknown; type?: unknown; requestID?: unknown };
  return {
    class: e.constructor.name,
    message: e.message,
    status: e.status,
    code: e.code,
    type: e.type,
    requestID: e.requestID,
  };
}

/** JSON with request ids made comparable (each request gets the next number from the server). */
function normalize(seen: Seen): Seen {
  const text = JSON.stringify(seen, (_key, value) =>
    value instanceof Float32Array ? Array.from(value) : value,
  );
  return JSON.parse(text.replace(/req_\d+/g, 'req_N'));
}

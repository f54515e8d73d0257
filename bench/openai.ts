/**
 * @lazytrace/openai overhead: the real `openai` client, unwrapped vs wrapped, per call and per
 * streamed chunk. Two transports:
 * - in memory: the client's `fetch` answers with the local fake's bodies without sockets, so the
 *   figures isolate what the wrapper adds (HTTP on a shared machine varies by more than that);
 * - HTTP: the same calls against the local fake on 127.0.0.1, for the order of magnitude.
 * Per chunk = ((wrapped − unwrapped) at 1,000 chunks − (wrapped − unwrapped) at 10 chunks) / 990.
 * The fixed part of a streamed call = (wrapped − unwrapped) at 10 chunks − 10 × per chunk. The
 * unwrapped stream does not ask for usage and the wrapped one does (lazytrace adds
 * `include_usage`), so that figure includes the SDK parsing the usage chunk and the `usage: null`
 * of every chunk; the "caller asks for usage" pair compares like for like.
 * Targets: ≤ 0.1 ms per call, ≤ 2 µs per chunk. Run against the built packages:
 *   pnpm build && TSX_TSCONFIG_PATH=bench/tsconfig.json node --expose-gc --import tsx bench/openai.ts [--quick]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configureTracing, withTrace } from '@lazytrace/core';
import { wrapOpenAI } from '@lazytrace/openai';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { chatReply, type Reply, startFakeOpenAI } from '../test/openai/fake-openai.js';
import { formatNs, machine } from './harness.js';

const quick = process.argv.includes('--quick');

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
configureTracing({
  tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }),
});

/** SSE text for a chat stream of `chunks` content chunks (+ the usage chunk when asked for). */
const sseCache = new Map<string, string>();
function chatSse(chunks: number, includeUsage: boolean): string {
  const key = `${chunks}:${includeUsage}`;
  let text = sseCache.get(key);
  if (text === undefined) {
    // Shaped as OpenAI sends them: `usage` (with include_usage) is followed by `obfuscation`.
    const base = {
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini-2024-08-06',
      service_tier: 'default',
      system_fingerprint: 'fp_bench',
    };
    const extra = includeUsage ? { usage: null, obfuscation: 'pad' } : { obfuscation: 'pad' };
    const frames = [
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }], ...extra })}\n\n`,
    ];
    for (let i = 0; i < chunks; i++) {
      frames.push(
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: ` tok${i}` }, finish_reason: null }], ...extra })}\n\n`,
      );
    }
    frames.push(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...extra })}\n\n`,
    );
    if (includeUsage) {
      frames.push(
        `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: chunks, total_tokens: 10 + chunks }, obfuscation: 'pad' })}\n\n`,
      );
    }
    frames.push('data: [DONE]\n\n');
    text = frames.join('');
    sseCache.set(key, text);
  }
  return text;
}

/** A `fetch` that answers like the local fake, in memory. `x-chunks` picks the stream length. */
const memoryFetch = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const body = JSON.parse(String(init?.body));
  const headers = { 'x-request-id': 'req_1' };
  if (body.stream === true) {
    const chunks = Number(new Headers(init?.headers).get('x-chunks') ?? 10);
    return new Response(chatSse(chunks, body.stream_options?.include_usage === true), {
      headers: { ...headers, 'content-type': 'text/event-stream' },
    });
  }
  const reply = chatReply(body) as Extract<Reply, { kind: 'json' }>;
  return new Response(JSON.stringify(reply.body), {
    headers: { ...headers, 'content-type': 'application/json' },
  });
};

const messages = [{ role: 'user' as const, content: 'Say hello.' }];
const memoryClient = () =>
  new OpenAI({
    apiKey: 'sk-bench',
    baseURL: 'http://fake.invalid/v1',
    maxRetries: 0,
    fetch: memoryFetch as never,
  });
const plain = memoryClient();
const wrapped = wrapOpenAI(memoryClient());

async function call(client: OpenAI): Promise<void> {
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 });
}

/** `withUsage`: the caller asks for the usage chunk itself (then lazytrace adds nothing). */
async function stream(client: OpenAI, chunks: number, withUsage = false): Promise<void> {
  const s = await client.chat.completions.create(
    {
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      ...(withUsage ? { stream_options: { include_usage: true } } : {}),
    },
    { headers: { 'x-chunks': String(chunks) } },
  );
  for await (const _ of s) {
    // read every chunk, as a caller does
  }
}

const fake = await startFakeOpenAI({ lifetimeMs: 10 * 60_000 });
const httpClient = () => new OpenAI({ apiKey: 'sk-bench', baseURL: fake.baseURL, maxRetries: 0 });
const httpPlain = httpClient();
const httpWrapped = wrapOpenAI(httpClient());

/**
 * Interleaved batches: per round, each pair (unwrapped, wrapped) runs a batch back to back, in
 * alternating order, and the round's difference is taken; the figure is the median difference
 * over the rounds. On a shared machine whose speed drifts by tens of percent within seconds, a
 * difference taken between adjacent batches is far steadier than two separate averages.
 */
interface Pair {
  readonly name: string;
  readonly batch: number;
  readonly unwrapped: () => Promise<void>;
  readonly wrapped: () => Promise<void>;
}

/**
 * CPU time of the process (user + system) per operation, in ns: on a machine shared with other
 * work, wall time mostly measures how long the process waited for a core; CPU time measures the
 * work done, which is what the wrapper adds.
 */
async function timeBatch(run: () => Promise<void>, batch: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < batch; i++) await run();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / batch;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const ROUNDS = quick ? 7 : 31;
/** The same operation on the plain client and on the wrapped one. */
function pair(
  name: string,
  batch: number,
  run: (client: OpenAI) => Promise<void>,
  [unwrappedClient, wrappedClient] = [plain, wrapped],
): Pair {
  return { name, batch, unwrapped: () => run(unwrappedClient), wrapped: () => run(wrappedClient) };
}

const pairs: Pair[] = [
  pair('create', 200, call),
  pair('stream 10 chunks', 100, (client) => stream(client, 10)),
  // Like for like: both ask for usage, so both parse the usage chunk; the wrapper adds nothing
  // to the request and hides nothing from the caller.
  pair('stream 10 chunks, caller asks for usage', 100, (client) => stream(client, 10, true)),
  pair('stream 1000 chunks', 10, (client) => stream(client, 1000)),
  // A request sampled out (both sides run in the same `withTrace`): what a call costs when its
  // span does not record.
  pair('create, sampled out', 200, (client) => withTrace({ sampled: false }, () => call(client))),
  pair('stream 10 chunks, sampled out', 100, (client) =>
    withTrace({ sampled: false }, () => stream(client, 10)),
  ),
  pair('create over HTTP', 50, call, [httpPlain, httpWrapped]),
];

interface PairResult {
  readonly name: string;
  readonly unwrappedNs: number;
  readonly wrappedNs: number;
  readonly differenceNs: number;
  readonly differences: number[];
}

// Warm-up of every scenario before any is measured: the JIT has seen every path (plain and
// streamed results go through the same functions) and the heap has grown to its working size.
// Warming each pair just before measuring it left the first streamed pair measured while the
// shared functions were being re-optimized for streams: its figure moved by up to 30 µs with the
// order of the pairs alone.
const WARM_UP_PASSES = quick ? 2 : 4;
for (let pass = 0; pass < WARM_UP_PASSES; pass++) {
  // HTTP is warmed just before it is measured: a keep-alive connection left idle for longer than
  // the server's keep-alive timeout while the others run would be reset on its next use.
  for (const pair of pairs.filter((p) => !p.name.includes('HTTP'))) {
    for (let i = 0; i < 3; i++) {
      await timeBatch(pair.unwrapped, pair.batch);
      await timeBatch(pair.wrapped, pair.batch);
    }
  }
}

const results: PairResult[] = [];
for (const pair of pairs) {
  for (let i = 0; i < 2; i++) {
    await timeBatch(pair.unwrapped, pair.batch);
    await timeBatch(pair.wrapped, pair.batch);
  }
  const unwrappedTimes: number[] = [];
  const wrappedTimes: number[] = [];
  const differences: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let u: number;
    let w: number;
    if (round % 2 === 0) {
      u = await timeBatch(pair.unwrapped, pair.batch);
      w = await timeBatch(pair.wrapped, pair.batch);
    } else {
      w = await timeBatch(pair.wrapped, pair.batch);
      u = await timeBatch(pair.unwrapped, pair.batch);
    }
    unwrappedTimes.push(u);
    wrappedTimes.push(w);
    differences.push(w - u);
  }
  results.push({
    name: pair.name,
    unwrappedNs: median(unwrappedTimes),
    wrappedNs: median(wrappedTimes),
    differenceNs: median(differences),
    differences,
  });
}
await fake.close();

const diff = (name: string): number => results.find((r) => r.name === name)!.differenceNs;
const perCall = diff('create');
// Per round, so that the two stream lengths are compared under the same machine state.
const chunkRounds = results
  .find((r) => r.name === 'stream 1000 chunks')!
  .differences.map(
    (d1000, i) => (d1000 - results.find((r) => r.name === 'stream 10 chunks')!.differences[i]!) / 990,
  );
const perChunk = median(chunkRounds);
const perStreamCall = diff('stream 10 chunks') - 10 * perChunk;
const perStreamCallLikeForLike = diff('stream 10 chunks, caller asks for usage') - 10 * perChunk;

const rows = [
  ['scenario (CPU time per op)', 'unwrapped', 'wrapped', 'added (median of rounds)'],
  ...results.map((r) => [r.name, formatNs(r.unwrappedNs), formatNs(r.wrappedNs), formatNs(r.differenceNs)]),
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
console.log(
  rows
    .map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n'),
);
console.log(
  `\nper call: ${formatNs(perCall)} (target ≤ 100 µs)\nper streamed call (fixed part): ${formatNs(perStreamCall)} (target ≤ 100 µs; includes the usage chunk lazytrace asks for)\nper streamed call, both asking for usage: ${formatNs(perStreamCallLikeForLike)}\nper chunk: ${formatNs(perChunk)} (target ≤ 2 µs)\n${ROUNDS} rounds on ${machine().cpus} cores, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

const file = fileURLToPath(
  new URL(quick ? './results.openai.quick.json' : './results.openai.json', import.meta.url),
);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      machine: machine(),
      date: new Date().toISOString(),
      quick,
      rounds: ROUNDS,
      loadAverage: loadavg(),
      results: results.map(({ differences: _, ...r }) => r),
      derived: {
        perCallNs: perCall,
        perStreamCallNs: perStreamCall,
        perStreamCallLikeForLikeNs: perStreamCallLikeForLike,
        perChunkNs: perChunk,
      },
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${file}`);

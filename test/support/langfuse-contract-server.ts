import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Langfuse's OTLP endpoint that enforces what the real one enforces
 * (`../shared/reference/langfuse-otel.md`): the path, Basic auth (401 wrong key, 403 public key
 * only), the content type, the ingestion-version header, and a well-formed body — trace and span
 * ids, attributes as key/value lists, integer status codes; one bad span rejects the batch (400).
 * It can be told to answer 401/429/500, to answer garbage, or to hang; it records what it accepted.
 * Listens on 127.0.0.1 only.
 *
 * It also answers the public read API the way Langfuse does after mapping the spans it accepted
 * (`reference/viewers-and-integrations.md`, `@langfuse/core`'s ObservationV2):
 * `GET /api/public/v2/observations?traceId=` (field groups, `limit` ≤ 1000, base64 cursors,
 * metadata values over 200 characters cut unless named in `expandMetadata`, `parseIoAsJson=true`
 * refused) and the older `GET /api/public/traces/{id}`. `setRead` makes it an older server (no
 * v2: 404), delays what becomes visible (ingestion lag, observations appearing one by one), or
 * answers reads with a status.
 */
export type Behaviour =
  | { kind: 'accept' }
  | { kind: 'status'; status: number; times?: number; retryAfterSeconds?: number }
  | { kind: 'hang' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed' };

export interface AcceptedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  scope?: { name?: string; version?: string };
  status?: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

/** How the read API behaves (see the file comment). */
export interface ReadBehaviour {
  /** false: a server before v4, whose v2 observations endpoint answers 404. Default true. */
  v2?: boolean;
  /** An observation becomes readable this long after its span was accepted. Default 0. */
  ingestionLagMs?: number;
  /** On top of the lag, the i-th span of a trace becomes readable i × this later. Default 0. */
  revealEveryMs?: number;
  /** false: observations come without `metadata` (only the first-class fields). Default true. */
  metadata?: boolean;
  /** Answer reads with this status (`times` times, then normally), with an optional Retry-After. */
  status?: { status: number; times?: number; retryAfterSeconds?: number };
}

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: { key: string; value: OtlpAnyValue }[] };
}

export async function startLangfuseContractServer(
  keys = { publicKey: 'pk-lf-test', secretKey: 'sk-lf-test-secret' },
) {
  const accepted: AcceptedSpan[] = [];
  const scores: Record<string, unknown>[] = [];
  const requests: RecordedRequest[] = [];
  let behaviour: Behaviour = { kind: 'accept' };
  let readBehaviour: ReadBehaviour = {};
  /** When each accepted span arrived (same index as `accepted`): the clock of the ingestion lag. */
  const acceptedAt: number[] = [];
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        requests.push({ path: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      const auth = checkAuth(req.headers.authorization, keys);
      if (auth !== 200)
        return reply(auth, { message: auth === 401 ? 'Invalid credentials' : 'Access denied' });

      if (req.method === 'POST' && req.url === '/api/public/ingestion') {
        const batch = (
          JSON.parse(body) as { batch: { id: string; type: string; body: Record<string, unknown> }[] }
        ).batch;
        for (const event of batch) if (event.type === 'score-create') scores.push(event.body);
        return reply(207, { successes: batch.map((e) => ({ id: e.id, status: 201 })), errors: [] });
      }
      if (req.method === 'GET' && req.url?.startsWith('/api/public/')) {
        const read = readBehaviour.status;
        if (read !== undefined && (read.times === undefined || read.times > 0)) {
          if (read.times !== undefined) read.times--;
          const headers: Record<string, string> =
            read.retryAfterSeconds !== undefined ? { 'retry-after': String(read.retryAfterSeconds) } : {};
          return reply(read.status, { message: 'as configured' }, headers);
        }
        const answer = answerRead(new URL(req.url, 'http://127.0.0.1'), readBehaviour, visibleSpans());
        return reply(answer.status, answer.body);
      }
      if (req.method !== 'POST' || req.url !== '/api/public/otel/v1/traces')
        return reply(404, { message: 'Not found' });

      // What the test asked for, before validation (a down or flaky backend does not read the body).
      if (behaviour.kind === 'hang') {
        requests.push({ path: req.url, headers: req.headers, body, status: 0 });
        hanging.add(res);
        return;
      }
      if (behaviour.kind === 'status') {
        const current = behaviour;
        if (current.times !== undefined && --current.times <= 0) behaviour = { kind: 'accept' };
        const headers: Record<string, string> =
          current.retryAfterSeconds !== undefined ? { 'retry-after': String(current.retryAfterSeconds) } : {};
        return reply(current.status, { message: 'as configured' }, headers);
      }
      if (behaviour.kind === 'malformed') return reply(200, '{"partialSuccess": ');
      if (behaviour.kind === 'slow') {
        const timer = setTimeout(() => reply(200, {}), behaviour.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }

      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.includes('application/json') && !contentType.includes('application/x-protobuf')) {
        return reply(400, { message: `Unsupported content type ${contentType}` });
      }
      const version = req.headers['x-langfuse-ingestion-version'];
      if (version !== undefined && !(/^\d+$/.test(String(version)) && Number(version) <= 4)) {
        return reply(400, { message: 'Invalid x-langfuse-ingestion-version' });
      }
      if (contentType.includes('application/x-protobuf')) {
        return reply(400, { message: 'this contract server decodes OTLP/JSON only' });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return reply(400, { message: 'Unreadable body' });
      }
      const problem = validate(parsed);
      if (problem !== undefined) return reply(400, { message: problem });
      const spans = flatten(parsed as OtlpRequest);
      accepted.push(...spans);
      for (const _ of spans) acceptedAt.push(Date.now());
      return reply(200, {});
    });
  });
  /** What the read API can see now: spans past their ingestion lag. */
  function visibleSpans(): AcceptedSpan[] {
    const now = Date.now();
    const lag = readBehaviour.ingestionLagMs ?? 0;
    const every = readBehaviour.revealEveryMs ?? 0;
    const indexInTrace = new Map<string, number>();
    return accepted.filter((span, i) => {
      const n = indexInTrace.get(span.traceId) ?? 0;
      indexInTrace.set(span.traceId, n + 1);
      return now >= (acceptedAt[i] ?? 0) + lag + n * every;
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    keys,
    accepted,
    scores,
    requests,
    set(next: Behaviour) {
      behaviour = next;
    },
    /** How the read API answers from now on (replaces the previous read behaviour). */
    setRead(next: ReadBehaviour) {
      readBehaviour = { ...next, ...(next.status ? { status: { ...next.status } } : {}) };
    },
    /** Waits (bounded) until at least `count` spans were accepted. */
    async waitForSpans(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (accepted.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return accepted;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function checkAuth(header: string | undefined, keys: { publicKey: string; secretKey: string }): number {
  if (header === undefined || !header.startsWith('Basic ')) return 401;
  const [user, pass] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  if (user !== keys.publicKey) return 401;
  if (pass === undefined || pass === '') return 403;
  return pass === keys.secretKey ? 200 : 401;
}

interface OtlpSpan {
  traceId?: unknown;
  spanId?: unknown;
  parentSpanId?: unknown;
  name?: unknown;
  startTimeUnixNano?: unknown;
  endTimeUnixNano?: unknown;
  attributes?: unknown;
  events?: unknown;
  status?: { code?: unknown; message?: unknown };
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: unknown };
    scopeSpans?: { scope?: { name?: string; version?: string }; spans?: OtlpSpan[] }[];
  }[];
}

function validate(request: unknown): string | undefined {
  const rs = (request as OtlpRequest)?.resourceSpans;
  if (!Array.isArray(rs)) return 'resourceSpans must be an array';
  for (const r of rs) {
    if (r.resource?.attributes !== undefined && !isKeyValueList(r.resource.attributes))
      return 'resource attributes must be a list';
    if (!Array.isArray(r.scopeSpans)) return 'scopeSpans must be an array';
    for (const ss of r.scopeSpans) {
      if (!Array.isArray(ss.spans)) return 'spans must be an array';
      for (const span of ss.spans) {
        if (typeof span.traceId !== 'string' || !/^[0-9a-f]{32}$/.test(span.traceId))
          return 'span without a valid traceId';
        if (typeof span.spanId !== 'string' || !/^[0-9a-f]{16}$/.test(span.spanId))
          return 'span without a valid spanId';
        if (span.attributes !== undefined && !isKeyValueList(span.attributes))
          return 'attributes must be a list of {key, value}';
        if (span.events !== undefined && !Array.isArray(span.events)) return 'events must be an array';
        if (span.status?.code !== undefined && !Number.isInteger(span.status.code))
          return 'status code must be an integer';
      }
    }
  }
  return undefined;
}

function isKeyValueList(value: unknown): boolean {
  return (
    Array.isArray(value) && value.every((kv) => typeof kv?.key === 'string' && typeof kv.value === 'object')
  );
}

function anyValue(v: OtlpAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue !== undefined)
    return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
  return undefined;
}

function toObject(list: unknown): Record<string, unknown> {
  return Object.fromEntries(
    ((list as { key: string; value: OtlpAnyValue }[]) ?? []).map((kv) => [kv.key, anyValue(kv.value)]),
  );
}

function flatten(request: OtlpRequest): AcceptedSpan[] {
  const out: AcceptedSpan[] = [];
  for (const r of request.resourceSpans ?? []) {
    const resource = toObject(r.resource?.attributes);
    for (const ss of r.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        out.push({
          traceId: span.traceId as string,
          spanId: span.spanId as string,
          parentSpanId: (span.parentSpanId as string | undefined) || undefined,
          name: span.name as string,
          status: span.status as AcceptedSpan['status'],
          attributes: toObject(span.attributes),
          resource,
          startTimeUnixNano:
            span.startTimeUnixNano === undefined ? undefined : String(span.startTimeUnixNano),
          endTimeUnixNano: span.endTimeUnixNano === undefined ? undefined : String(span.endTimeUnixNano),
          scope: ss.scope,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The read API: accepted spans as Langfuse maps them to observations (langfuse-otel.md's table).

const GENERATION_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content']);

function observationType(attrs: Record<string, unknown>): string {
  const declared = attrs['langfuse.observation.type'];
  if (typeof declared === 'string') return declared.toUpperCase();
  const operation = attrs['gen_ai.operation.name'];
  if (typeof operation === 'string') {
    if (GENERATION_OPERATIONS.has(operation)) return 'GENERATION';
    if (operation === 'embeddings') return 'EMBEDDING';
    if (operation === 'invoke_agent') return 'AGENT';
    if (operation === 'execute_tool') return 'TOOL';
  }
  if (modelOf(attrs) !== null) return 'GENERATION';
  return 'SPAN';
}

function modelOf(attrs: Record<string, unknown>): string | null {
  for (const key of [
    'langfuse.observation.model.name',
    'gen_ai.response.model',
    'gen_ai.request.model',
    'model',
  ]) {
    if (typeof attrs[key] === 'string') return attrs[key] as string;
  }
  return null;
}

function firstString(attrs: Record<string, unknown>, keys: string[]): string | null {
  for (const key of keys) if (typeof attrs[key] === 'string') return attrs[key] as string;
  return null;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function usageOf(attrs: Record<string, unknown>): Record<string, number> {
  const declared = parseJson(attrs['langfuse.observation.usage_details']);
  const usage: Record<string, number> = {};
  if (declared !== null && typeof declared === 'object') {
    for (const [k, v] of Object.entries(declared as Record<string, unknown>))
      if (typeof v === 'number') usage[k] = v;
  } else {
    if (typeof attrs['gen_ai.usage.input_tokens'] === 'number')
      usage.input = attrs['gen_ai.usage.input_tokens'] as number;
    if (typeof attrs['gen_ai.usage.output_tokens'] === 'number')
      usage.output = attrs['gen_ai.usage.output_tokens'] as number;
  }
  // Langfuse fills in the total when it was not sent.
  if (usage.total === undefined && (usage.input !== undefined || usage.output !== undefined)) {
    usage.total = (usage.input ?? 0) + (usage.output ?? 0);
  }
  return usage;
}

function isoFromNanos(nanos: string | undefined): string | null {
  if (nanos === undefined || !/^\d+$/.test(nanos)) return null;
  return new Date(Number(BigInt(nanos) / 1_000_000n)).toISOString();
}

function tagsOf(attrs: Record<string, unknown>): string[] {
  const tags = attrs['langfuse.trace.tags'] ?? attrs['langfuse.tags'];
  if (Array.isArray(tags)) return tags.filter((t): t is string => typeof t === 'string');
  if (typeof tags === 'string') {
    const parsed = parseJson(tags);
    if (Array.isArray(parsed)) return parsed.filter((t): t is string => typeof t === 'string');
    return tags
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
  }
  return [];
}

/** Every field of ObservationV2, by field group. */
function toObservation(span: AcceptedSpan, rootName: string | null): Record<string, Record<string, unknown>> {
  const a = span.attributes;
  const start = isoFromNanos(span.startTimeUnixNano) ?? new Date(0).toISOString();
  const end = isoFromNanos(span.endTimeUnixNano);
  const isError = span.status?.code === 2;
  const asRoot = a['langfuse.internal.as_root'] === true;
  return {
    core: {
      id: span.spanId,
      traceId: span.traceId,
      startTime: start,
      endTime: end,
      projectId: 'contract-project',
      parentObservationId: span.parentSpanId ?? null,
      type: observationType(a),
    },
    basic: {
      name: span.name,
      level: firstString(a, ['langfuse.observation.level']) ?? (isError ? 'ERROR' : 'DEFAULT'),
      statusMessage: firstString(a, ['langfuse.observation.status_message']) ?? span.status?.message ?? null,
      version: firstString(a, ['langfuse.version']),
      environment: firstString(a, ['langfuse.environment', 'deployment.environment.name']) ?? 'default',
      bookmarked: false,
      public: false,
      userId: firstString(a, ['langfuse.user.id', 'user.id']),
      sessionId: firstString(a, ['langfuse.session.id', 'session.id', 'gen_ai.conversation.id']),
      isRootObservation: span.parentSpanId === undefined || asRoot,
    },
    time: {
      completionStartTime: firstString(a, ['langfuse.observation.completion_start_time']),
      createdAt: start,
      updatedAt: end ?? start,
    },
    // v2 returns input/output as the stored text.
    io: {
      input: firstString(a, ['langfuse.observation.input', 'gen_ai.input.messages']),
      output: firstString(a, ['langfuse.observation.output', 'gen_ai.output.messages']),
    },
    metadata: {
      metadata: { attributes: a, resourceAttributes: span.resource, scope: span.scope ?? {} },
    },
    model: {
      model: modelOf(a),
      internalModelId: null,
      modelParameters: parseJson(a['langfuse.observation.model.parameters']) ?? null,
    },
    usage: { usageDetails: usageOf(a), costDetails: {}, totalCost: null, usagePricingTierName: null },
    prompt: { promptId: null, promptName: null, promptVersion: null },
    metrics: {
      latency: end === null ? null : (Date.parse(end) - Date.parse(start)) / 1000,
      timeToFirstToken: null,
    },
    trace_context: {
      tags: tagsOf(a),
      release: firstString(a, ['langfuse.release']),
      traceName: firstString(a, ['langfuse.trace.name']) ?? rootName,
    },
  };
}

const FIELD_GROUPS = [
  'core',
  'basic',
  'time',
  'io',
  'metadata',
  'model',
  'usage',
  'prompt',
  'metrics',
  'trace_context',
];

/** Metadata values longer than 200 characters come back cut, unless named in expandMetadata. */
function truncateMetadata(metadata: Record<string, unknown>, expand: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    out[key] = expand.has(key) || text.length <= 200 ? value : `${text.slice(0, 200)}...`;
  }
  return out;
}

function rootNameOf(spans: AcceptedSpan[]): string | null {
  const root = spans.find(
    (s) => s.parentSpanId === undefined || s.attributes['langfuse.internal.as_root'] === true,
  );
  return root?.name ?? null;
}

function answerRead(
  url: URL,
  read: ReadBehaviour,
  visible: AcceptedSpan[],
): { status: number; body: unknown } {
  if (url.pathname === '/api/public/v2/observations') {
    if (read.v2 === false) return { status: 404, body: { message: 'Not found' } };
    if (url.searchParams.get('parseIoAsJson') === 'true') {
      return { status: 400, body: { message: 'parseIoAsJson is no longer supported' } };
    }
    const limit = Number(url.searchParams.get('limit') ?? '50');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return { status: 400, body: { message: 'limit must be 1..1000' } };
    }
    const groups = new Set((url.searchParams.get('fields') ?? 'core,basic').split(',').map((g) => g.trim()));
    for (const g of groups)
      if (!FIELD_GROUPS.includes(g)) return { status: 400, body: { message: `unknown field group ${g}` } };
    groups.add('core');
    const expand = new Set(
      (url.searchParams.get('expandMetadata') ?? '').split(',').filter((k) => k.length > 0),
    );
    const traceId = url.searchParams.get('traceId');
    const matching = visible.filter((s) => traceId === null || s.traceId === traceId);
    const cursorText = url.searchParams.get('cursor');
    let offset = 0;
    if (cursorText !== null) {
      const decoded = Number(
        Buffer.from(cursorText, 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      );
      if (!Number.isInteger(decoded) || decoded < 0)
        return { status: 400, body: { message: 'invalid cursor' } };
      offset = decoded;
    }
    const rootName = rootNameOf(matching);
    const page = matching.slice(offset, offset + limit).map((span) => {
      const all = toObservation(span, rootName);
      const observation: Record<string, unknown> = {};
      for (const g of groups) Object.assign(observation, all[g]);
      if (read.metadata === false) delete observation.metadata;
      else if (observation.metadata !== undefined) {
        observation.metadata = truncateMetadata(observation.metadata as Record<string, unknown>, expand);
      }
      return observation;
    });
    const next =
      offset + limit < matching.length
        ? Buffer.from(`offset:${offset + limit}`).toString('base64')
        : undefined;
    return { status: 200, body: { data: page, meta: next === undefined ? {} : { cursor: next } } };
  }
  const trace = /^\/api\/public\/traces\/([^/]+)$/.exec(url.pathname);
  if (trace !== null) {
    const traceId = decodeURIComponent(trace[1]!);
    const spans = visible.filter((s) => s.traceId === traceId);
    if (spans.length === 0) return { status: 404, body: { message: `Trace ${traceId} not found` } };
    const rootName = rootNameOf(spans);
    const observations = spans.map((span) => {
      const o = toObservation(span, rootName);
      return {
        ...o.core,
        ...o.basic,
        ...o.time,
        ...o.model,
        ...o.metrics,
        // The trace endpoint parses input/output; usage also in the deprecated shape.
        input: parseJson(o.io!.input) ?? o.io!.input,
        output: parseJson(o.io!.output) ?? o.io!.output,
        metadata: o.metadata!.metadata,
        usageDetails: o.usage!.usageDetails,
        costDetails: {},
        usage: { ...(o.usage!.usageDetails as object), unit: 'TOKENS' },
      };
    });
    const root = spans.find(
      (s) => s.parentSpanId === undefined || s.attributes['langfuse.internal.as_root'] === true,
    );
    const ra = root?.attributes ?? {};
    return {
      status: 200,
      body: {
        id: traceId,
        timestamp: isoFromNanos(root?.startTimeUnixNano),
        name: firstString(ra, ['langfuse.trace.name']) ?? rootName,
        input: parseJson(ra['langfuse.trace.input']) ?? null,
        output: parseJson(ra['langfuse.trace.output']) ?? null,
        sessionId: firstString(ra, ['langfuse.session.id', 'session.id']),
        userId: firstString(ra, ['langfuse.user.id', 'user.id']),
        tags: tagsOf(ra),
        release: firstString(ra, ['langfuse.release']),
        version: null,
        metadata: {},
        public: false,
        environment: 'default',
        htmlPath: `/project/contract-project/traces/${traceId}`,
        observations,
        scores: [],
      },
    };
  }
  return { status: 404, body: { message: 'Not found' } };
}

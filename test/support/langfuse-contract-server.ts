import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Langfuse's OTLP endpoint that enforces what the real one enforces
 * (`../shared/reference/langfuse-otel.md`): the path, Basic auth (401 wrong key, 403 public key
 * only), the content type, the ingestion-version header, and a well-formed body — trace and span
 * ids, attributes as key/value lists, integer status codes; one bad span rejects the batch (400).
 * It can be told to answer 401/429/500, to answer garbage, or to hang; it records what it accepted.
 * Listens on 127.0.0.1 only.
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
  status?: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
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
      accepted.push(...flatten(parsed as OtlpRequest));
      return reply(200, {});
    });
  });
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
  attributes?: unknown;
  events?: unknown;
  status?: { code?: unknown; message?: unknown };
}
interface OtlpRequest {
  resourceSpans?: { resource?: { attributes?: unknown }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
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
        });
      }
    }
  }
  return out;
}

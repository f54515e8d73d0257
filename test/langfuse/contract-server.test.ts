import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLangfuseContractServer } from '../support/langfuse-contract-server.js';

type Server = Awaited<ReturnType<typeof startLangfuseContractServer>>;
let server: Server;
beforeEach(async () => {
  server = await startLangfuseContractServer();
});
afterEach(() => server.close());

const span = (overrides: Record<string, unknown> = {}) => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  name: 'ok',
  attributes: [{ key: 'a', value: { stringValue: 'x' } }],
  status: { code: 2 },
  ...overrides,
});

async function post(body: unknown, headers: Record<string, string> = {}) {
  const auth = Buffer.from(`${server.keys.publicKey}:${server.keys.secretKey}`).toString('base64');
  const res = await fetch(`${server.baseUrl}/api/public/otel/v1/traces`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return res.status;
}

const batch = (...spans: unknown[]) => ({
  resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }],
});

describe('the Langfuse contract server enforces what the real endpoint enforces', () => {
  it('accepts a well-formed batch and records it', async () => {
    expect(await post(batch(span()), { 'x-langfuse-ingestion-version': '4' })).toBe(200);
    expect(server.accepted).toHaveLength(1);
    expect(server.accepted[0]?.attributes).toEqual({ a: 'x' });
  });

  it('one bad span rejects the whole batch with 400', async () => {
    const bad = [
      span({ traceId: undefined }),
      span({ spanId: 'short' }),
      span({ attributes: { a: 'an object, not a list' } }),
      span({ status: { code: 'STATUS_CODE_ERROR' } }),
      span({ events: {} }),
    ];
    for (const b of bad) expect(await post(batch(span(), b))).toBe(400);
    expect(server.accepted).toHaveLength(0);
  });

  it('checks auth, content type, ingestion version and path', async () => {
    expect(await post(batch(span()), { authorization: 'Basic bm9wZTpub3Bl' })).toBe(401);
    const publicOnly = Buffer.from(`${server.keys.publicKey}:`).toString('base64');
    expect(await post(batch(span()), { authorization: `Basic ${publicOnly}` })).toBe(403);
    expect(await post(batch(span()), { 'content-type': 'text/plain' })).toBe(400);
    expect(await post(batch(span()), { 'x-langfuse-ingestion-version': '5' })).toBe(400);
    expect(await post('{not json')).toBe(400);
    const auth = Buffer.from(`${server.keys.publicKey}:${server.keys.secretKey}`).toString('base64');
    const wrongPath = await fetch(`${server.baseUrl}/api/public/otel/v1/logs`, {
      method: 'POST',
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrongPath.status).toBe(404);
  });
});

import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.js';
import { getJson, postJson, testServer } from '../testing/harness.js';
import { hexId, otlpRequest, ragTrace } from '../testing/otlp-fixtures.js';
import { decodeExportResponse, decodeRpcStatus } from './protobuf.js';

/** Real SDK spans (a parent, a child with typed attributes and an event). */
function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('receiver-test', '1.2.3');
  const parent = tracer.startSpan('parent', { attributes: { 'lazytrace.kind': 'flow' } });
  const ctx = trace.setSpan(ROOT_CONTEXT, parent);
  const child = tracer.startSpan(
    'child',
    { attributes: { count: 3, ratio: 0.5, ok: true, list: ['a', 'b'], big: 2 ** 53 + 2 } },
    ctx,
  );
  child.addEvent('step', { n: 1 });
  child.end();
  parent.end();
  return exporter.getFinishedSpans();
}

async function post(server: RunningServer, body: Uint8Array | string, headers: Record<string, string>) {
  const response = await fetch(`${server.url}/v1/traces`, { method: 'POST', headers, body });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('POST /v1/traces', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await testServer({ maxBodyBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('stores OTLP/JSON and answers an empty ExportTraceServiceResponse', async () => {
    const t = ragTrace(Date.now() - 60_000);
    const response = await postJson(server, otlpRequest([t]));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({});
    const { body } = await getJson<{ trace: { spanCount: number } }>(server, `/api/traces/${t.traceId}`);
    expect(body.trace.spanCount).toBe(3);
  });

  it('stores protobuf as OTel SDK serializes it, answering in protobuf; attributes keep their types', async () => {
    const spans = sdkSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    const answer = await post(server, bytes, { 'content-type': 'application/x-protobuf' });
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('application/x-protobuf');
    expect(decodeExportResponse(answer.bytes)).toEqual({});
    const traceId = spans[0]?.spanContext().traceId as string;
    const { body } = await getJson<{
      root: {
        name: string;
        children: { name: string; attributes: Record<string, unknown>; events: { name: string }[] }[];
      };
    }>(server, `/api/traces/${traceId}?level=debug`);
    expect(body.root.name).toBe('parent');
    const child = body.root.children[0];
    expect(child?.name).toBe('child');
    expect(child?.attributes).toMatchObject({ count: 3, ratio: 0.5, ok: true, list: ['a', 'b'] });
    expect(String(child?.attributes.big)).toBe(String(2 ** 53 + 2));
    expect(child?.events.map((e) => e.name)).toEqual(['step']);
  });

  it('accepts gzip for JSON and protobuf', async () => {
    const t = ragTrace(Date.now() - 50_000);
    const json = await post(server, gzipSync(JSON.stringify(otlpRequest([t]))), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(json.status).toBe(200);
    const spans = sdkSpans();
    const proto = await post(
      server,
      gzipSync(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array),
      {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'gzip',
      },
    );
    expect(proto.status).toBe(200);
    expect((await getJson(server, `/api/traces/${t.traceId}`)).status).toBe(200);
    expect((await getJson(server, `/api/traces/${spans[0]?.spanContext().traceId}`)).status).toBe(200);
  });

  it('reports spans with invalid ids as partial success, storing the rest (JSON and protobuf)', async () => {
    const good = ragTrace(Date.now() - 40_000);
    const body = otlpRequest([good]) as {
      resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    const spans = body.resourceSpans[0]?.scopeSpans[0]?.spans as Record<string, unknown>[];
    spans.push({ ...spans[1], traceId: 'not-hex', spanId: hexId(8) }, { ...spans[1], spanId: '' });
    const response = await postJson(server, body);
    expect(response.status).toBe(200);
    const json = (await response.json()) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(json.partialSuccess.rejectedSpans).toBe('2');
    expect(json.partialSuccess.errorMessage).toMatch(/2 span/);
    const { body: stored } = await getJson<{ trace: { spanCount: number } }>(
      server,
      `/api/traces/${good.traceId}`,
    );
    expect(stored.trace.spanCount).toBe(3);
  });

  it('stores a span with a large attribute (a long prompt) whole', async () => {
    const t = ragTrace(Date.now() - 45_000, { question: 'q'.repeat(400_000) });
    expect((await postJson(server, otlpRequest([t]))).status).toBe(200);
    const { body } = await getJson<{ root: { input: string } }>(
      server,
      `/api/traces/${t.traceId}?level=detailed`,
    );
    expect(body.root.input.length).toBe(400_002);
  });

  it('a retried request stores nothing twice', async () => {
    const t = ragTrace(Date.now() - 30_000);
    const before = (await getJson<{ spans: number }>(server, '/health')).body.spans;
    expect((await postJson(server, otlpRequest([t]))).status).toBe(200);
    expect((await postJson(server, otlpRequest([t]))).status).toBe(200);
    expect((await getJson<{ spans: number }>(server, '/health')).body.spans).toBe(before + 3);
  });

  it('answers 400 with a google.rpc.Status for malformed bodies, in the request encoding', async () => {
    const cases: [string, string | Uint8Array, Record<string, string>][] = [
      ['broken JSON', '{"resourceSpans": [', { 'content-type': 'application/json' }],
      ['a JSON array', '[1,2]', { 'content-type': 'application/json' }],
      ['resourceSpans not a list', '{"resourceSpans": 5}', { 'content-type': 'application/json' }],
      ['not gzip', 'plain text', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ];
    for (const [label, body, headers] of cases) {
      const answer = await post(server, body, headers);
      expect(answer.status, label).toBe(400);
      const status = JSON.parse(text(answer.bytes)) as { code: number; message: string };
      expect(status.code, label).toBe(3);
      expect(status.message.length, label).toBeGreaterThan(5);
    }
    const full = ProtobufTraceSerializer.serializeRequest(sdkSpans()) as Uint8Array;
    const truncated = await post(server, full.subarray(0, full.length - 7), {
      'content-type': 'application/x-protobuf',
    });
    expect(truncated.status).toBe(400);
    expect(truncated.type).toBe('application/x-protobuf');
    expect(decodeRpcStatus(truncated.bytes).message).toMatch(/protobuf/);
    const garbage = await post(server, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), {
      'content-type': 'application/x-protobuf',
    });
    expect(garbage.status).toBe(400);
  });

  it('answers 415 for other content types and encodings', async () => {
    expect((await post(server, '{}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(
      (await post(server, '{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status,
    ).toBe(415);
  });

  it('answers 413 over the size limit, also for a gzip bomb, and keeps serving', async () => {
    const big = JSON.stringify({ resourceSpans: [], padding: 'x'.repeat(2 * 1024 * 1024) });
    const over = await post(server, big, { 'content-type': 'application/json' });
    expect(over.status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const bombed = await post(server, bomb, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(bombed.status).toBe(413);
    expect(JSON.parse(text(bombed.bytes)).message).toMatch(/decompressed/);
    expect((await getJson<{ ok: boolean }>(server, '/health')).body.ok).toBe(true);
  });

  it('survives a client that disconnects mid-body', async () => {
    const before = (await getJson<{ spans: number }>(server, '/health')).body.spans;
    const payload = JSON.stringify(otlpRequest([ragTrace(Date.now())]));
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length) },
      });
      req.on('error', () => resolve());
      req.write(payload.slice(0, payload.length / 2), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50);
      });
    });
    // The server goes on answering, and stored nothing from the half request.
    const again = ragTrace(Date.now() - 20_000);
    expect((await postJson(server, otlpRequest([again]))).status).toBe(200);
    expect((await getJson<{ spans: number }>(server, '/health')).body.spans).toBe(before + 3);
  });

  it('JSON as the OTel JSON serializer writes it', async () => {
    const spans = sdkSpans();
    const answer = await post(server, JsonTraceSerializer.serializeRequest(spans) as Uint8Array, {
      'content-type': 'application/json',
    });
    expect(answer.status).toBe(200);
    const { body } = await getJson<{ trace: { spanCount: number; name: string } }>(
      server,
      `/api/traces/${spans[0]?.spanContext().traceId}`,
    );
    expect(body.trace).toMatchObject({ spanCount: 2, name: 'parent' });
  });
});

describe('load', () => {
  it('20 concurrent OTLP clients: every accepted span is stored', async () => {
    const server = await testServer();
    try {
      const clients = 20;
      const requestsEach = 10;
      const tracesPerRequest = 5;
      let accepted = 0;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let r = 0; r < requestsEach; r++) {
            const traces = Array.from({ length: tracesPerRequest }, (_, i) =>
              ragTrace(Date.now() - (c * 1000 + r * 10 + i)),
            );
            const gzip = (c + r) % 2 === 0;
            const response = gzip
              ? await fetch(`${server.url}/v1/traces`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
                  body: gzipSync(JSON.stringify(otlpRequest(traces))),
                })
              : await postJson(server, otlpRequest(traces));
            expect(response.status).toBe(200);
            await response.arrayBuffer();
            accepted += tracesPerRequest * 3;
          }
        }),
      );
      const { body } = await getJson<{ spans: number; traces: number }>(server, '/health');
      expect(body.spans).toBe(accepted);
      expect(body.traces).toBe(clients * requestsEach * tracesPerRequest);
    } finally {
      await server.close();
    }
  });

  it('a 50 MB body over the default 20 MB limit gets 413 and the service keeps serving', async () => {
    const server = await testServer();
    try {
      const body = `{"resourceSpans":[],"pad":"${'y'.repeat(50 * 1024 * 1024)}"}`;
      const answer = await post(server, body, { 'content-type': 'application/json' });
      expect(answer.status).toBe(413);
      const t = ragTrace(Date.now());
      expect((await postJson(server, otlpRequest([t]))).status).toBe(200);
      expect((await getJson(server, `/api/traces/${t.traceId}`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

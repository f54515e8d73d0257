import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeTracing, getTracingStats, initTracing, setTrace, shutdownTracing } from '@lazytrace/config';
import { fn, pipeline, setLogger } from '@lazytrace/core';
import { flushScores, LangfuseExporter, score, shutdownScores } from '@lazytrace/langfuse';
import { context, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRag } from '../../examples/rag-pipeline/rag.js';
import { startLangfuseContractServer } from '../support/langfuse-contract-server.js';

type Server = Awaited<ReturnType<typeof startLangfuseContractServer>>;
let server: Server;
let warnings: string[];

beforeEach(async () => {
  server = await startLangfuseContractServer();
  warnings = [];
  setLogger({ warn: (m) => warnings.push(m) });
});
afterEach(async () => {
  await shutdownTracing();
  await shutdownScores();
  await server.close();
  setLogger(undefined);
});

function langfuseEnv(extra: Record<string, string> = {}) {
  return {
    LANGFUSE_PUBLIC_KEY: server.keys.publicKey,
    LANGFUSE_SECRET_KEY: server.keys.secretKey,
    LANGFUSE_BASE_URL: server.baseUrl,
    ...extra,
  };
}

async function askRag(question = 'How far is the Moon?') {
  let answer = '';
  for await (const token of (await buildRag(0).invoke(question)) as AsyncIterable<string>) answer += token;
  return answer;
}

const RAG_SPANS = [
  'rag',
  'rewrite',
  'retrieve',
  'dense',
  'sparse',
  'rerank',
  'convertUnits',
  'prompt',
  'llm',
];

describe('Langfuse export of the RAG example', () => {
  it('arrives with every mapped field right on every span', async () => {
    initTracing({
      env: langfuseEnv({ LANGFUSE_TRACING_ENVIRONMENT: 'staging', LANGFUSE_RELEASE: 'v1.2.3' }),
      flushOnExit: false,
    });
    expect(describeTracing()?.backends.map((b) => b.name)).toEqual(['langfuse']);
    setTrace({
      sessionId: 'lf-session',
      userId: 'lf-user',
      tags: ['rag', 'beta'],
      metadata: { tenant: 'acme' },
    });
    const answer = await askRag();
    await shutdownTracing();

    const spans = await server.waitForSpans(RAG_SPANS.length);
    expect(spans.map((s) => s.name).sort()).toEqual([...RAG_SPANS].sort());
    const request = server.requests.find((r) => r.path === '/api/public/otel/v1/traces')!;
    expect(request.headers['x-langfuse-ingestion-version']).toBe('4');
    expect(request.headers['x-langfuse-sdk-name']).toBe('lazytrace');
    expect(request.headers['content-type']).toContain('application/json');

    const expectedType: Record<string, string> = {
      rag: 'chain',
      rewrite: 'generation',
      retrieve: 'chain',
      dense: 'retriever',
      sparse: 'retriever',
      rerank: 'span',
      convertUnits: 'tool',
      prompt: 'span',
      llm: 'generation',
    };
    for (const span of spans) {
      const a = span.attributes;
      expect([span.name, a['langfuse.observation.type']]).toEqual([span.name, expectedType[span.name]]);
      expect(a['langfuse.session.id']).toBe('lf-session');
      expect(a['session.id']).toBe('lf-session');
      expect(a['langfuse.user.id']).toBe('lf-user');
      expect(a['langfuse.trace.tags']).toEqual(['rag', 'beta']);
      expect(a['langfuse.trace.name']).toBe('rag');
      expect(a['langfuse.trace.metadata.tenant']).toBe('acme');
      expect(a['langfuse.environment']).toBe('staging');
      expect(a['langfuse.release']).toBe('v1.2.3');
      expect(typeof a['langfuse.observation.input']).toBe('string');
      expect(typeof a['langfuse.observation.output']).toBe('string');
      if (!['rewrite', 'llm'].includes(span.name)) {
        for (const key of ['model', 'gen_ai.request.model', 'langfuse.observation.model.name'])
          expect(a[key]).toBeUndefined();
      }
    }
    const root = spans.find((s) => s.name === 'rag')!;
    expect(root.attributes['langfuse.trace.input']).toBe(JSON.stringify('How far is the Moon?'));
    expect(root.attributes['langfuse.trace.output']).toBe(JSON.stringify(answer));
    expect(root.attributes['langfuse.internal.as_root']).toBeUndefined(); // a true root needs no mark

    const llm = spans.find((s) => s.name === 'llm')!.attributes;
    expect(llm['langfuse.observation.model.name']).toBe('fake-chat-2026-01');
    expect(JSON.parse(llm['langfuse.observation.model.parameters'] as string)).toEqual({
      temperature: 0.2,
      max_tokens: 256,
    });
    const usage = JSON.parse(llm['langfuse.observation.usage_details'] as string);
    expect(usage.output).toBeGreaterThan(0);
    expect(usage.total).toBe(usage.input + usage.output);
    const completionStart = Date.parse(llm['langfuse.observation.completion_start_time'] as string);
    expect(Number.isNaN(completionStart)).toBe(false);
    expect(llm['langfuse.observation.output']).toBe(JSON.stringify(answer));
    const rewrite = spans.find((s) => s.name === 'rewrite')!.attributes;
    expect(rewrite['langfuse.observation.model.name']).toBe('fake-mini-2026-01');
  });

  it('errors become level ERROR with the status message', async () => {
    initTracing({ env: langfuseEnv(), flushOnExit: false });
    const failing = pipeline(
      {
        ok: (x: string) => x,
        broken: fn(() => Promise.reject(new Error('index offline')), { kind: 'retriever' }),
      },
      { name: 'failing' },
    );
    await expect(failing.invoke('q')).rejects.toThrow('index offline');
    await shutdownTracing();
    const spans = await server.waitForSpans(3);
    for (const name of ['broken', 'failing']) {
      const span = spans.find((s) => s.name === name)!;
      expect(span.status?.code).toBe(2);
      expect(span.attributes['langfuse.observation.level']).toBe('ERROR');
      expect(span.attributes['langfuse.observation.status_message']).toBe('index offline');
    }
    expect(spans.find((s) => s.name === 'ok')!.attributes['langfuse.observation.level']).toBeUndefined();
  });

  it('a lazytrace root under a foreign HTTP span is marked as the root; the HTTP span is filtered out', async () => {
    initTracing({ env: langfuseEnv(), flushOnExit: false });
    const http = new BasicTracerProvider().getTracer('http');
    await http.startActiveSpan('GET /ask', async (span) => {
      await fn((x: string) => x.toUpperCase(), { name: 'handler' }).invoke('q');
      span.end();
    });
    // A non-lazytrace span without gen_ai attributes on lazytrace's provider: not for Langfuse.
    trace.getTracer('noise').startSpan('dns.lookup').end();
    trace
      .getTracer('llm-lib')
      .startSpan('openai.chat', { attributes: { 'gen_ai.request.model': 'gpt-x' } })
      .end();
    await shutdownTracing();
    const spans = await server.waitForSpans(2);
    expect(spans.map((s) => s.name).sort()).toEqual(['handler', 'openai.chat']);
    const handler = spans.find((s) => s.name === 'handler')!;
    expect(handler.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(handler.attributes['langfuse.internal.as_root']).toBe(true);
  });

  it('exportAllSpans sends every span', async () => {
    initTracing({ env: langfuseEnv(), langfuse: { exportAllSpans: true }, flushOnExit: false });
    trace.getTracer('noise').startSpan('dns.lookup').end();
    await shutdownTracing();
    expect((await server.waitForSpans(1)).map((s) => s.name)).toEqual(['dns.lookup']);
  });

  it('works on its own in any OTel SDK, with the neutral attributes left for other exporters', async () => {
    const exporter = new LangfuseExporter(langfuseEnvOptions());
    const seenByOthers: Record<string, unknown>[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(exporter),
        new SimpleSpanProcessor({
          export: (spans, cb) => {
            for (const s of spans) seenByOthers.push({ ...s.attributes });
            cb({ code: 0 });
          },
          shutdown: async () => {},
        }),
      ],
    });
    const span = provider
      .getTracer('lazytrace')
      .startSpan('step', { attributes: { 'lazytrace.kind': 'llm', 'lazytrace.input': '"x"' } });
    span.end();
    await provider.shutdown();
    const [accepted] = await server.waitForSpans(1);
    expect(accepted?.attributes['langfuse.observation.type']).toBe('generation');
    expect(seenByOthers[0]?.['langfuse.observation.type']).toBeUndefined();
    expect(seenByOthers[0]?.['lazytrace.input']).toBe('"x"');
  });
});

function langfuseEnvOptions() {
  return { publicKey: server.keys.publicKey, secretKey: server.keys.secretKey, baseUrl: server.baseUrl };
}

describe('Langfuse failures never reach the application', () => {
  const flow = () => pipeline({ a: (x: number) => x + 1, b: async (x: number) => x * 3 }, { name: 'calc' });

  it('429 with Retry-After: retried after the delay, then delivered', async () => {
    server.set({ kind: 'status', status: 429, times: 1, retryAfterSeconds: 1 });
    initTracing({ env: langfuseEnv(), flushOnExit: false });
    expect(await flow().invoke(1)).toBe(6);
    await shutdownTracing();
    expect((await server.waitForSpans(3)).length).toBe(3);
    const statuses = server.requests.filter((r) => r.path.includes('otel')).map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
  });

  it('500: retried with backoff, then delivered', async () => {
    server.set({ kind: 'status', status: 500, times: 2 });
    initTracing({ env: langfuseEnv(), flushOnExit: false, flushTimeoutMs: 8000 });
    expect(await flow().invoke(1)).toBe(6);
    await shutdownTracing();
    expect((await server.waitForSpans(3)).length).toBe(3);
    expect(server.requests.filter((r) => r.path.includes('otel')).map((r) => r.status)).toEqual([
      500, 500, 200,
    ]);
  });

  it('401: reported once with base URL and public key, never the secret; not retried; later spans dropped and counted', async () => {
    initTracing({
      env: { ...langfuseEnv(), LANGFUSE_SECRET_KEY: 'sk-lf-WRONG-secret' },
      exportMode: 'immediate',
      flushOnExit: false,
    });
    const otelRequests = () => server.requests.filter((r) => r.path.includes('otel'));
    expect(await flow().invoke(0)).toBe(3);
    for (let i = 0; i < 200 && !warnings.some((w) => w.includes('401')); i++)
      await new Promise((r) => setTimeout(r, 10));
    // The call's three spans are sent as they end; those ending after the first 401 came back are
    // not sent at all. So one to three requests, never more.
    await new Promise((r) => setTimeout(r, 100));
    const sentBeforeRejection = otelRequests().length;
    expect(sentBeforeRejection).toBeGreaterThanOrEqual(1);
    expect(sentBeforeRejection).toBeLessThanOrEqual(3);
    expect(otelRequests().every((r) => r.status === 401)).toBe(true);
    for (let i = 1; i < 5; i++) expect(await flow().invoke(i)).toBe((i + 1) * 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(otelRequests()).toHaveLength(sentBeforeRejection); // nothing more is sent with credentials known bad
    const authWarnings = warnings.filter((w) => w.includes('401'));
    expect(authWarnings).toHaveLength(1);
    expect(authWarnings[0]).toContain(server.baseUrl);
    expect(authWarnings[0]).toContain(server.keys.publicKey);
    expect(getTracingStats().dropped).toBe(15);
    expect(JSON.stringify(warnings)).not.toContain('sk-lf-WRONG-secret');
  });

  it('403 is reported the same way, once', async () => {
    server.set({ kind: 'status', status: 403 });
    initTracing({ env: langfuseEnv(), exportMode: 'immediate', flushOnExit: false });
    expect(await flow().invoke(0)).toBe(3);
    await shutdownTracing();
    const forbidden = warnings.filter((w) => w.includes('403'));
    expect(forbidden).toHaveLength(1);
    expect(forbidden[0]).toContain(server.keys.publicKey);
    expect(forbidden[0]).not.toContain(server.keys.secretKey);
  });

  it('a hanging backend: the application is unaffected and shutdown returns within the flush timeout', async () => {
    server.set({ kind: 'hang' });
    initTracing({
      env: langfuseEnv(),
      flushOnExit: false,
      flushTimeoutMs: 500,
      langfuse: { timeoutMillis: 400 },
    });
    expect(await flow().invoke(2)).toBe(9);
    const started = Date.now();
    await shutdownTracing();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a malformed answer is a failed export, counted, not an exception', async () => {
    server.set({ kind: 'malformed' });
    initTracing({ env: langfuseEnv(), exportMode: 'immediate', flushOnExit: false });
    expect(await flow().invoke(0)).toBe(3);
    for (let i = 0; i < 200 && getTracingStats().exported + getTracingStats().dropped < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // The OTel transport treats an unparsable 200 body as delivered: counted as exported, nothing thrown.
    expect(getTracingStats().exported + getTracingStats().dropped).toBe(3);
  });
});

describe('credentials stay where they belong', () => {
  it('the secret key is in no exported payload, log line or error message', async () => {
    initTracing({
      env: { ...langfuseEnv(), LANGFUSE_SECRET_KEY: 'sk-lf-wrong-one' },
      exportMode: 'immediate',
      flushOnExit: false,
    });
    setTrace({ sessionId: 's', metadata: { note: 'hello' } });
    const errors: string[] = [];
    await fn(() => Promise.reject(new Error('business failure')))
      .invoke(0)
      .catch((e: Error) => errors.push(e.message));
    await new Promise((r) => setTimeout(r, 200));
    await shutdownTracing();
    const everything = JSON.stringify({
      warnings,
      errors,
      requests: server.requests.map((r) => r.body),
      d: describeTracing(),
    });
    expect(everything).not.toContain('sk-lf-wrong-one');
    expect(everything).not.toContain(server.keys.secretKey);
  });

  it('the credentials of a base URL (a proxy in front of Langfuse) are in no warning or error', async () => {
    const baseUrl = server.baseUrl.replace('://', '://proxy-user:proxy-pass@');
    const exporter = new LangfuseExporter({
      ...langfuseEnvOptions(),
      baseUrl,
      secretKey: 'sk-lf-wrong',
      exportAllSpans: true,
    });
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    provider.getTracer('t').startSpan('s').end();
    const result = await new Promise<ExportResult>((resolve) =>
      exporter.export(memory.getFinishedSpans(), resolve),
    );
    await exporter.shutdown();
    const authWarnings = warnings.filter((w) => w.includes('401'));
    expect(authWarnings).toHaveLength(1);
    expect(authWarnings[0]).toContain(server.baseUrl.replace('://', '://***@'));
    expect(JSON.stringify(warnings)).not.toContain('proxy-pass');
    expect(result.error?.message).toContain('401');
    expect(result.error?.message).not.toContain('proxy-pass');
  });

  it('OTEL_EXPORTER_OTLP_HEADERS never reach Langfuse, and Langfuse credentials never reach the OTLP backend', async () => {
    const otlpRequests: { headers: Record<string, unknown>; body: string }[] = [];
    const otlp = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        otlpRequests.push({ headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => otlp.listen(0, '127.0.0.1', r));
    try {
      const port = (otlp.address() as AddressInfo).port;
      initTracing({
        env: langfuseEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-other-vendor-key=vendor-secret-123',
        }),
        flushOnExit: false,
      });
      expect(describeTracing()?.backends.map((b) => b.name)).toEqual(['langfuse', 'otlp']);
      await pipeline({ a: (x: number) => x }).invoke(1);
      await shutdownTracing();
      await server.waitForSpans(2);
      const toLangfuse = server.requests.filter((r) => r.path.includes('otel'));
      expect(toLangfuse.length).toBeGreaterThan(0);
      for (const r of toLangfuse) {
        expect(r.headers['x-other-vendor-key']).toBeUndefined();
        expect(JSON.stringify(r.headers)).not.toContain('vendor-secret-123');
      }
      expect(otlpRequests.length).toBeGreaterThan(0);
      for (const r of otlpRequests) {
        expect(r.headers['x-other-vendor-key']).toBe('vendor-secret-123');
        expect(r.headers.authorization).toBeUndefined();
        expect(JSON.stringify(r)).not.toContain(server.keys.secretKey);
        expect(JSON.stringify(r)).not.toContain('langfuse.session');
      }
    } finally {
      await new Promise((r) => otlp.close(r));
    }
  });

  it('missing keys fail set-up with an error naming the variable', () => {
    expect(() => initTracing({ backends: ['langfuse'], env: { LANGFUSE_PUBLIC_KEY: 'pk' } })).toThrow(
      /backend "langfuse" could not be set up: Langfuse: no secret key: set LANGFUSE_SECRET_KEY/,
    );
    expect(() => new LangfuseExporter({ env: {} })).toThrow(/set LANGFUSE_PUBLIC_KEY/);
    expect(() => new LangfuseExporter({ ...langfuseEnvOptions(), environment: 'Prod!' })).toThrow(
      /LANGFUSE_TRACING_ENVIRONMENT/,
    );
    expect(() => new LangfuseExporter({ ...langfuseEnvOptions(), baseUrl: 'langfuse.local' })).toThrow(
      /not a valid URL/,
    );
  });
});

describe('scores', () => {
  it('go through the Scores API with the official client, defaulting to the active trace', async () => {
    initTracing({ env: langfuseEnv(), flushOnExit: false });
    let traceId = '';
    await fn(
      () => {
        traceId = trace.getActiveSpan()!.spanContext().traceId;
        score({ name: 'helpfulness', value: 0.9, comment: 'good answer' }, langfuseEnvOptions());
      },
      { name: 'answer' },
    ).invoke(null);
    score(
      { name: 'thumbs', value: 'up', traceId, observationId: 'abcdef0123456789', dataType: 'CATEGORICAL' },
      langfuseEnvOptions(),
    );
    await flushScores();
    expect(server.scores).toHaveLength(2);
    expect(server.scores[0]).toMatchObject({
      name: 'helpfulness',
      value: 0.9,
      comment: 'good answer',
      traceId,
    });
    expect(server.scores[1]).toMatchObject({
      name: 'thumbs',
      value: 'up',
      traceId,
      observationId: 'abcdef0123456789',
    });
  });

  it('bad input is a TypeError naming the field; no active trace and no traceId is an error too', () => {
    expect(() => score({ name: '', value: 1 }, langfuseEnvOptions())).toThrow(
      /"name" must be a non-empty string/,
    );
    expect(() => score({ name: 'x', value: {} as never }, langfuseEnvOptions())).toThrow(
      /"value" must be a number or a string/,
    );
    expect(() =>
      context.with(context.active(), () => score({ name: 'x', value: 1 }, langfuseEnvOptions())),
    ).toThrow(/no active span/);
    expect(() => score({ name: 'x', value: 1, traceId: 'nope' }, langfuseEnvOptions())).toThrow(
      /32 hex characters/,
    );
  });
});

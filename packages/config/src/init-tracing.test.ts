import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fn, pipeline, setLogger } from '@lazytrace/core';
import { getTraceContext } from '@lazytrace/core/internal';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  defaultBackendNames,
  describeTracing,
  getTracingStats,
  initTracing,
  shutdownTracing,
  withTrace,
} from './index.js';

afterEach(async () => {
  await shutdownTracing();
  setLogger(undefined);
});

const memory = () => {
  const exporter = new InMemorySpanExporter();
  return { exporter, backend: { name: 'memory', exporter, processing: 'simple' as const } };
};
const flow = () => pipeline({ a: (x: number) => x + 1, b: fn(async (x: number) => x * 2) }, { name: 'flow' });

describe('initTracing', () => {
  it('default backends follow the environment: langfuse keys, an OTLP endpoint, else file', () => {
    expect(defaultBackendNames({})).toEqual(['file']);
    expect(defaultBackendNames({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' })).toEqual(['otlp']);
    expect(defaultBackendNames({ LANGFUSE_PUBLIC_KEY: 'pk', LANGFUSE_SECRET_KEY: 'sk' })).toEqual([
      'langfuse',
    ]);
    expect(
      defaultBackendNames({
        LANGFUSE_PUBLIC_KEY: 'pk',
        LANGFUSE_SECRET_KEY: 'sk',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x',
      }),
    ).toEqual(['langfuse', 'otlp']);
  });

  it('explicit options beat the environment, which beats the defaults', async () => {
    const { backend } = memory();
    initTracing({
      backends: [backend],
      captureContent: true,
      env: {
        LAZYTRACE_CAPTURE_CONTENT: 'false',
        LAZYTRACE_SAMPLE_RATE: '0.25',
        LAZYTRACE_MAX_CONTENT_CHARS: '5000',
      },
    });
    const d = describeTracing()!;
    expect(d.captureContent).toBe(true);
    expect(d.sampleRate).toBe(0.25);
    expect(d.maxContentChars).toBe(5000);
    expect(getTraceContext().captureContent).toBe(true);
  });

  it('the environment alone configures everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-env-'));
    const file = join(dir, 'deep', 'spans.jsonl');
    initTracing({
      env: {
        LAZYTRACE_BACKENDS: 'file',
        LAZYTRACE_FILE: file,
        LAZYTRACE_CAPTURE_CONTENT: 'off',
        OTEL_SERVICE_NAME: 'from-env',
      },
    });
    expect(describeTracing()).toMatchObject({
      serviceName: 'from-env',
      captureContent: false,
      backends: [{ name: 'file', path: file }],
    });
    expect(await flow().invoke(1)).toBe(4);
    await shutdownTracing();
    const request = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0]!);
    const spans = request.resourceSpans[0].scopeSpans[0].spans;
    expect(spans.map((s: { name: string }) => s.name)).toEqual(['a', 'b', 'flow']);
    expect(spans[0].attributes.find((a: { key: string }) => a.key === 'lazytrace.input')).toBeUndefined();
    const service = request.resourceSpans[0].resource.attributes.find(
      (a: { key: string }) => a.key === 'service.name',
    );
    expect(service.value.stringValue).toBe('from-env');
  });

  it('bad options in code fail with an error naming the option, and change nothing', () => {
    const cases: [Parameters<typeof initTracing>[0], RegExp][] = [
      [{ backends: ['consol'] }, /initTracing: "backends": unknown backend "consol".*known: .*console/],
      [{ sampleRate: -1 }, /"sampleRate" must be a number from 0 to 1/],
      [{ exportMode: 'eager' as never }, /"exportMode" must be 'batched' or 'immediate'/],
      [{ bogus: true } as never, /unknown option "bogus"/],
      [{ otlp: { url: 'ftp://x' }, backends: ['otlp'] }, /options\.otlp\.url="ftp:\/\/x" must be an http/],
      // A number is coerced (DESIGN amendments); an object is not a user id.
      [{ defaults: { userId: {} } as never }, /initTracing: defaults: "userId" must be a string, got object/],
    ];
    for (const [options, message] of cases) {
      expect(() => initTracing(options)).toThrow(message);
      expect(describeTracing()).toBeUndefined();
    }
    expect(() => initTracing({ backends: ['consol'] })).toThrow(ConfigError);
  });

  it('a bad environment variable is ignored with one warning naming it, and the default is used (amendment)', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    const { backend } = memory();
    const env = {
      LAZYTRACE_ENABLED: 'maybe',
      LAZYTRACE_SAMPLE_RATE: '2',
      LAZYTRACE_MAX_CONTENT_CHARS: 'lots',
      LAZYTRACE_FLUSH_TIMEOUT_MS: '-5',
    };
    initTracing({ backends: [backend], env });
    const d = describeTracing()!;
    expect(d).toMatchObject({ enabled: true, sampleRate: 1, maxContentChars: 4096, flushTimeoutMs: 5000 });
    expect(warnings).toHaveLength(4);
    for (const name of Object.keys(env)) {
      expect(warnings.filter((w) => w.includes(name) && w.includes('ignored'))).toHaveLength(1);
    }
    await shutdownTracing();
    // The same bad values again: already reported.
    initTracing({ backends: [backend], env });
    expect(warnings).toHaveLength(4);
    await shutdownTracing();

    initTracing({
      env: {
        LAZYTRACE_BACKENDS: 'console,jaeger',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
      },
    });
    expect(describeTracing()!.backends.map((b) => b.name)).toEqual(['console']);
    expect(warnings.some((w) => /LAZYTRACE_BACKENDS=.*unknown backend "jaeger"/.test(w))).toBe(true);
    await shutdownTracing();
    initTracing({
      env: {
        LAZYTRACE_BACKENDS: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:pw-s3cret@in valid',
      },
    });
    expect(describeTracing()!.backends[0]).toMatchObject({
      url: 'http://localhost:4318/v1/traces',
      protocol: 'http/json',
    });
    expect(warnings.some((w) => w.includes('OTEL_EXPORTER_OTLP_PROTOCOL="grpc"'))).toBe(true);
    expect(warnings.some((w) => w.includes('OTEL_EXPORTER_OTLP_ENDPOINT'))).toBe(true);
    expect(warnings.join('\n')).not.toContain('pw-s3cret');
  });

  it('is idempotent: a second call returns the running handle', () => {
    const { backend } = memory();
    const first = initTracing({ backends: [backend] });
    expect(initTracing({ backends: ['console'] })).toBe(first);
  });

  it('registers the global provider when there is none, and unregisters it at shutdown', async () => {
    const { backend, exporter } = memory();
    const handle = initTracing({ backends: [backend] });
    expect(describeTracing()?.provider).toBe('global');
    await flow().invoke(1);
    trace.getTracer('app').startSpan('app-span').end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['a', 'b', 'flow', 'app-span']);
    await handle.shutdown();
    const span = trace.getTracer('app').startSpan('after');
    expect(span.isRecording()).toBe(false);
  });

  it('LAZYTRACE_ENABLED=false: no provider, no spans, results intact', async () => {
    initTracing({ env: { LAZYTRACE_ENABLED: 'false' } });
    expect(describeTracing()).toMatchObject({ enabled: false, provider: 'none', backends: [] });
    expect(getTraceContext().enabled).toBe(false);
    expect(await flow().invoke(2)).toBe(6);
  });

  it('samples whole traces, and a request marked sampled: true is always kept', async () => {
    const { backend, exporter } = memory();
    initTracing({ backends: [backend], sampleRate: 0 });
    await flow().invoke(1);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await withTrace({ sampled: true }, () => flow().invoke(1));
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['a', 'b', 'flow']);
  });

  it('describes itself without secrets and counts what it exported', async () => {
    const { backend } = memory();
    initTracing({
      backends: [backend, 'otlp'],
      flushTimeoutMs: 300,
      otlp: { url: 'http://127.0.0.1:9/v1/traces', headers: { authorization: 'Bearer top-secret' } },
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=also-secret' },
    });
    const text = JSON.stringify(describeTracing());
    expect(text).not.toContain('top-secret');
    expect(text).not.toContain('also-secret');
    expect(describeTracing()?.backends[1]).toMatchObject({
      name: 'otlp',
      headers: ['x-honeycomb-team', 'authorization'],
    });
    await flow().invoke(1);
    // The simple processor exports once the resource's attributes are settled: wait (bounded).
    for (let i = 0; i < 200 && getTracingStats().exported < 3; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(getTracingStats()).toMatchObject({ ended: 3, exported: 3 });
  });

  it('exportMode immediate exports each span as it ends, without waiting for a batch', async () => {
    const exporter = new InMemorySpanExporter();
    initTracing({ backends: [{ name: 'memory', exporter }], exportMode: 'immediate' });
    await flow().invoke(1);
    expect(exporter.getFinishedSpans()).toHaveLength(3);
  });

  it('a failing backend is reported once, counted, and never reaches the application', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    const broken = {
      export: (_spans: unknown, cb: (r: { code: number; error?: Error }) => void) =>
        cb({ code: 1, error: new Error('backend down') }),
      shutdown: () => Promise.resolve(),
    };
    initTracing({ backends: [{ name: 'broken', exporter: broken, processing: 'simple' }] });
    for (let i = 0; i < 5; i++) expect(await flow().invoke(i)).toBe((i + 1) * 2);
    expect(getTracingStats()).toMatchObject({ ended: 15, exported: 0, dropped: 15, failedExports: 15 });
    expect(warnings.filter((w) => w.includes('backend "broken"'))).toHaveLength(1);
  });
});

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fn, pipeline, setLogger } from '@lazytrace/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { describeTracing, initTracing, shutdownTracing } from './index.js';

const warnings: string[] = [];
afterEach(async () => {
  await shutdownTracing();
  setLogger(undefined);
  warnings.length = 0;
});
const listen = () => setLogger({ warn: (m) => warnings.push(m) });
const flow = () => pipeline({ a: (x: number) => x + 1, b: fn(async (x: number) => x * 2) }, { name: 'flow' });
const memory = () => {
  const exporter = new InMemorySpanExporter();
  return { exporter, backend: { name: 'memory', exporter, processing: 'simple' as const } };
};

describe('configuration honesty (issue 11, item 7)', () => {
  it('unknown keys inside otlp / file / console options are rejected, naming the key; nothing is set up', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { backends: ['otlp'], otlp: { url: 'http://127.0.0.1:9/v1/traces', header: { a: 'b' } } },
        /"otlp\.header"/,
      ],
      [{ backends: ['file'], file: { paht: '/tmp/x.jsonl' } }, /"file\.paht"/],
      [{ backends: ['console'], console: { color: false } }, /"console\.color"/],
      [{ backends: ['otlp'], otlp: 'http://127.0.0.1:4318' }, /"otlp" must be an options object/],
    ];
    for (const [options, message] of cases) {
      expect(() => initTracing(options as never)).toThrow(TypeError);
      expect(() => initTracing(options as never)).toThrow(message);
      expect(describeTracing()).toBeUndefined();
    }
    // The known keys still pass.
    initTracing({
      backends: ['otlp'],
      otlp: { url: 'http://127.0.0.1:9/v1/traces', headers: {}, protocol: 'http/json', timeoutMillis: 100 },
      flushOnExit: false,
    });
    expect(describeTracing()?.enabled).toBe(true);
  });

  it('OTEL_SDK_DISABLED=true switches tracing off; LAZYTRACE_ENABLED wins; a bad value warns', async () => {
    listen();
    const { exporter, backend } = memory();
    initTracing({ backends: [backend], env: { OTEL_SDK_DISABLED: 'TRUE' }, flushOnExit: false });
    expect(describeTracing()).toMatchObject({ enabled: false, provider: 'none' });
    expect(await flow().invoke(1)).toBe(4);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await shutdownTracing();

    initTracing({
      backends: [backend],
      env: { OTEL_SDK_DISABLED: 'true', LAZYTRACE_ENABLED: 'true' },
      flushOnExit: false,
    });
    expect(describeTracing()?.enabled).toBe(true);
    await shutdownTracing();

    initTracing({ backends: [backend], env: { OTEL_SDK_DISABLED: 'maybe' }, flushOnExit: false });
    expect(describeTracing()?.enabled).toBe(true);
    expect(warnings.join('\n')).toMatch(
      /OTEL_SDK_DISABLED="maybe" is not true or false: ignored, false is used/,
    );
  });

  it('malformed OTEL_EXPORTER_OTLP_HEADERS: one warning by position (no value), the good headers are sent', async () => {
    listen();
    const received: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      received.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
      initTracing({
        backends: ['otlp'],
        otlp: { url },
        exportMode: 'immediate',
        flushOnExit: false,
        env: { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cr3t-value,no-equals-sign,x-bad=%zz,x-team=ml%20ops' },
      });
      expect(describeTracing()?.backends[0]).toMatchObject({ headers: ['api-key', 'x-team'] });
      const ours = warnings.filter((w) => w.includes('OTEL_EXPORTER_OTLP_HEADERS'));
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatch(/malformed entries \(number 2, 3;/);
      expect(ours[0]).not.toContain('s3cr3t');
      await flow().invoke(1);
      await shutdownTracing();
      expect(received.length).toBeGreaterThan(0);
      expect(received[0]).toMatchObject({ 'api-key': 's3cr3t-value', 'x-team': 'ml ops' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("beside the application's provider, describeTracing() reports the sampler whose decisions lazytrace inherits", async () => {
    listen();
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    // The application's NodeSDK samples 0 % of its traces.
    const app = new TracerProvider({
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }),
    });
    trace.setGlobalTracerProvider(app);
    try {
      const { exporter, backend } = memory();
      initTracing({ backends: [backend], sampleRate: 1, flushOnExit: false });
      const sampler = describeTracing()?.sampler;
      expect(describeTracing()?.provider).toBe('isolated');
      expect(sampler).toMatchObject({ rate: 1, followsParent: true });
      expect(sampler?.inherited).toMatch(/ParentBased\{root=TraceIdRatioBased\{0\}/);
      // What the description says: under the application's unsampled span, lazytrace keeps nothing…
      await trace.getTracer('app').startActiveSpan('GET /ask', async (span) => {
        await flow().invoke(1);
        span.end();
      });
      expect(exporter.getFinishedSpans()).toHaveLength(0);
      // …and at a root of its own, its own rate holds.
      await flow().invoke(1);
      expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('flow');
    } finally {
      await shutdownTracing();
      trace.disable();
      context.disable();
    }
    // Without an application provider, nothing is inherited.
    initTracing({ backends: [memory().backend], flushOnExit: false });
    expect(describeTracing()?.sampler).toEqual({ rate: 1, followsParent: true });
  });

  it('OTEL_BSP_SCHEDULE_DELAY from the given environment sets the batch delay of the network backends', async () => {
    listen();
    initTracing({
      backends: ['otlp'],
      otlp: { url: 'http://127.0.0.1:9/v1/traces' },
      env: { OTEL_BSP_SCHEDULE_DELAY: '50' },
      flushOnExit: false,
    });
    expect(describeTracing()?.backends[0]).toMatchObject({ name: 'otlp', scheduledDelayMillis: 50 });
    await shutdownTracing();
    initTracing({
      backends: ['otlp'],
      otlp: { url: 'http://127.0.0.1:9/v1/traces' },
      env: {},
      flushOnExit: false,
    });
    expect(describeTracing()?.backends[0]?.scheduledDelayMillis).toBeUndefined();
    await shutdownTracing();
    initTracing({
      backends: ['otlp'],
      otlp: { url: 'http://127.0.0.1:9/v1/traces' },
      env: { OTEL_BSP_SCHEDULE_DELAY: 'soon' },
      flushOnExit: false,
    });
    expect(describeTracing()?.backends[0]?.scheduledDelayMillis).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/OTEL_BSP_SCHEDULE_DELAY="soon"/);
  });

  it('the console backend reads NO_COLOR from the environment given to initTracing', async () => {
    const render = async (env: Record<string, string>) => {
      let out = '';
      const stream = { isTTY: true, write: (text: string) => (out += text) };
      initTracing({ backends: ['console'], console: { stream }, env, flushOnExit: false });
      await flow().invoke(1);
      await shutdownTracing();
      return out;
    };
    const ESC = '\u001b[';
    const colored = await render({});
    expect(colored).toContain('flow');
    expect(colored).toContain(ESC);
    const plain = await render({ NO_COLOR: '1' });
    expect(plain).toContain('flow');
    expect(plain).not.toContain(ESC);
    // no-color.org: an empty NO_COLOR does not count.
    expect(await render({ NO_COLOR: '' })).toContain(ESC);
  });
});

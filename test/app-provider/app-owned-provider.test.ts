import { describeTracing } from '@lazytrace/config';
import { setLogger } from '@lazytrace/core';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { startApp } from '../../examples/existing-otel-app/app.js';

describe('an application that owns the global tracer provider', () => {
  it('keeps its spans; lazytrace runs isolated, nests under the app span, registers nothing twice', async () => {
    const diagMessages: string[] = [];
    const record = (...args: unknown[]) => diagMessages.push(args.map(String).join(' '));
    diag.setLogger(
      { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });

    const appExporter = new InMemorySpanExporter();
    const lazytraceExporter = new InMemorySpanExporter();
    const app = startApp(appExporter, [
      { name: 'memory', exporter: lazytraceExporter, processing: 'simple' },
    ]);
    try {
      expect(describeTracing()?.provider).toBe('isolated');
      expect(await app.handleRequest('tides')).toBe('answer from 1 doc(s)');
      expect(await app.handleRequest('moon')).toBe('answer from 1 doc(s)');

      // NodeSDK's processor waits for its asynchronous resource detection before exporting.
      for (let i = 0; i < 100 && appExporter.getFinishedSpans().length < 2; i++)
        await new Promise((r) => setTimeout(r, 20));
      const appSpans = appExporter.getFinishedSpans();
      const ours = lazytraceExporter.getFinishedSpans();
      expect(appSpans.map((s) => s.name)).toEqual(['GET /ask', 'GET /ask']);
      expect(ours.map((s) => s.name)).toEqual([
        'retrieve',
        'generate',
        'answer',
        'retrieve',
        'generate',
        'answer',
      ]);
      // Each lazytrace root is a child of the app's request span, in the app's trace.
      ours
        .filter((s) => s.name === 'answer')
        .forEach((root, i) => {
          const request = appSpans[i]!;
          expect(root.spanContext().traceId).toBe(request.spanContext().traceId);
          expect(root.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
          expect(root.attributes['lazytrace.root']).toBe(true);
        });
      expect(ours[0]?.resource.attributes['service.name']).toBe('existing-app-llm');

      expect(diagMessages.filter((m) => /duplicate|already/i.test(m))).toEqual([]);
      expect(warnings.filter((m) => m.includes('isolated provider'))).toHaveLength(1);
    } finally {
      await app.stop();
      setLogger(undefined);
      diag.disable();
    }
  });
});

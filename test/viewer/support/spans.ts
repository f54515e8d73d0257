import { fromReadableSpan, type SpanRecord } from '@lazytrace/traces';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { BasicTracerProvider, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { installTestTracing, uninstallTestTracing } from '../../support/otel.js';

/** Take what the real SDK has exported so far, as the records the API is built from. */
export function drain(exporter: InMemorySpanExporter): SpanRecord[] {
  const spans = exporter.getFinishedSpans().map(fromReadableSpan);
  exporter.reset();
  return spans;
}

/**
 * One trace of `count` spans made with the real OTel SDK: a root with `fanout` children per span,
 * breadth first, each span a little later than its parent; span `big-N` carries an input; every
 * 997th fails.
 */
export function bigTrace(provider: BasicTracerProvider, count: number, fanout = 10): string {
  const tracer = provider.getTracer('viewer-test');
  const t0 = Date.now() - 60_000;
  const root = tracer.startSpan('big-root', { startTime: t0, attributes: { 'lazytrace.kind': 'flow' } });
  const traceId = root.spanContext().traceId;
  const queue: { span: ReturnType<typeof tracer.startSpan>; depth: number; start: number; end: number }[] = [
    { span: root, depth: 0, start: t0, end: t0 + 50_000 },
  ];
  let made = 1;
  const ended: typeof queue = [];
  while (queue.length) {
    const parent = queue.shift()!;
    ended.push(parent);
    const slot = (parent.end - parent.start) / (fanout + 1);
    for (let i = 0; i < fanout && made < count; i++) {
      const start = parent.start + slot * (i + 0.5);
      const ctx = trace.setSpan(context.active(), parent.span);
      const span = tracer.startSpan(
        `big-${made}`,
        {
          startTime: start,
          attributes: {
            'lazytrace.kind': made % 7 === 0 ? 'llm' : 'module',
            'lazytrace.input': JSON.stringify({ n: made }),
          },
        },
        ctx,
      );
      if (made % 997 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `failure ${made}` });
      queue.push({ span, depth: parent.depth + 1, start, end: start + slot * 0.9 });
      made++;
    }
  }
  for (const e of ended.reverse()) e.span.end(e.end);
  return traceId;
}

/** `count` one-span traces made with the real SDK, one second apart, durations 1..count ms. */
export function manyTraces(provider: BasicTracerProvider, count: number): void {
  const tracer = provider.getTracer('viewer-test');
  const t0 = Date.now() - count * 1000;
  for (let i = 0; i < count; i++) {
    const start = t0 + i * 1000;
    tracer
      .startSpan(`request-${i}`, {
        startTime: start,
        attributes: { 'lazytrace.kind': 'flow', 'lazytrace.input': JSON.stringify(`input ${i}`) },
      })
      .end(start + i + 1);
  }
}

/**
 * The spans `produce` makes with the real SDK installed as lazytrace's tracer provider; the
 * provider is removed afterwards, so nothing later in the suite is traced by accident.
 */
export async function recordSpans(
  produce: (provider: BasicTracerProvider) => unknown,
): Promise<SpanRecord[]> {
  const { exporter, provider } = installTestTracing();
  try {
    await produce(provider);
    return drain(exporter);
  } finally {
    uninstallTestTracing();
  }
}

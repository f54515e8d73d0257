import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { configureTracing } from '../../packages/core/src/index.js';

let contextManagerInstalled = false;

/** The real OTel SDK with an in-memory exporter, installed as lazytrace's tracer provider. */
export function installTestTracing(): { exporter: InMemorySpanExporter; provider: BasicTracerProvider } {
  if (!contextManagerInstalled) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerInstalled = true;
  }
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  configureTracing({ tracerProvider: provider });
  return { exporter, provider };
}

export function uninstallTestTracing(): void {
  configureTracing({ tracerProvider: null });
  trace.disable();
}

export const spanId = (span: ReadableSpan): string => span.spanContext().spanId;
export const traceId = (span: ReadableSpan): string => span.spanContext().traceId;
export const parentId = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

export function byName(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}`);
  return found[0]!;
}

/** Nanosecond timestamps from OTel's [seconds, nanos] pairs. */
export function endNanos(span: ReadableSpan): bigint {
  return BigInt(span.endTime[0]) * 1_000_000_000n + BigInt(span.endTime[1]);
}
export function startNanos(span: ReadableSpan): bigint {
  return BigInt(span.startTime[0]) * 1_000_000_000n + BigInt(span.startTime[1]);
}

/**
 * Many traced calls while the backend is unreachable (connection refused): memory must stay
 * bounded, dropped spans must be counted, and reported once — not per span.
 */
import { getTracingStats, initTracing, shutdownTracing } from '@lazytrace/config';
import { fn, setLogger } from '@lazytrace/core';

export interface MemoryResult {
  calls: number;
  heapStartMb: number;
  heapEndMb: number;
  heapDeltaMb: number;
  ended: number;
  exported: number;
  dropped: number;
  warnings: number;
  /** The warnings, shortened: what the application's log would have shown. */
  warningKinds: string[];
  withinLimit: boolean;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

export async function runMemoryScenario(calls: number): Promise<MemoryResult> {
  const warnings: string[] = [];
  setLogger({ warn: (m) => warnings.push(m) });
  const { trace, context } = await import('@opentelemetry/api');
  // The bench's own provider is global: lazytrace runs on an isolated provider next to it.
  void trace;
  void context;
  initTracing({
    backends: ['otlp'],
    otlp: { url: 'http://127.0.0.1:9/v1/traces', timeoutMillis: 1000 },
    flushOnExit: false,
    flushTimeoutMs: 1000,
    captureContent: true,
  });
  const step = fn(async (x: number) => ({ answer: x, text: 'a short answer' }), { name: 'memory-step' });
  for (let i = 0; i < 1000; i++) await step.invoke(i);
  const heapStartMb = heapMb();
  const batch = 1000;
  for (let done = 0; done < calls; done += batch) {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < batch; i++) pending.push(step.invoke(done + i));
    await Promise.all(pending);
  }
  const heapEndMb = heapMb();
  const stats = getTracingStats();
  await shutdownTracing();
  setLogger(undefined);
  const heapDeltaMb = heapEndMb - heapStartMb;
  return {
    calls,
    heapStartMb,
    heapEndMb,
    heapDeltaMb,
    ended: stats.ended,
    exported: stats.exported,
    dropped: stats.dropped,
    warnings: warnings.length,
    warningKinds: warnings.map((w) => w.replace(/^\[lazytrace\] /, '').slice(0, 70)),
    withinLimit: heapDeltaMb <= 64,
  };
}

/**
 * One process of the AsyncLocalStorage comparison (spawned by bench/run.ts, one process per
 * mode, interleaved): async hooks, once any AsyncLocalStorage is used, stay on for the whole
 * process and make every promise — every `await`, in the application's own code too — dearer.
 *
 *   none      no AsyncLocalStorage anywhere (an app without OTel's context manager or setTrace)
 *   otel      OTel's AsyncLocalStorageContextManager enabled (what an OTel app already has)
 *   setTrace  lazytrace's setTrace used (its own AsyncLocalStorage), OTel's manager not
 *   both      OTel's manager and setTrace (an OTel app that adopts lazytrace's setTrace)
 *
 * Prints one JSON line: ns per await of plain application code, and per traced call.
 */
import { configureTracing, fn, setTraceDefaults } from '@lazytrace/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

const mode = process.argv[2] ?? 'none';
const timeMs = Number(process.argv[3] ?? 300);
const discard: SpanExporter = { export: (_s, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
trace.setGlobalTracerProvider(provider);
configureTracing({ tracerProvider: provider });
if (mode === 'otel' || mode === 'both')
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
if (mode === 'setTrace' || mode === 'both') {
  const { setTrace } = await import('@lazytrace/config');
  setTrace({ sessionId: 'bench' });
}
setTraceDefaults({ captureContent: false });

// Application code: a chain of awaits on already-resolved work (parsing, a cache hit …).
const leaf = async (x: number) => x + 1;
async function app(n: number) {
  let x = 0;
  for (let i = 0; i < n; i++) x = await leaf(x);
  return x;
}
const step = fn(leaf, { name: 'step' });

async function perOp(op: () => Promise<unknown>, opsPerRun: number): Promise<number> {
  const until = performance.now() + timeMs;
  let runs = 0;
  const start = performance.now();
  while (performance.now() < until) {
    await op();
    runs++;
  }
  return ((performance.now() - start) * 1e6) / (runs * opsPerRun);
}

// Warm up, then measure.
await perOp(() => app(1000), 1000);
await perOp(() => step.invoke(1), 1);
const awaitNs = await perOp(() => app(1000), 1000);
const invokeNs = await perOp(() => step.invoke(1), 1);
console.log(JSON.stringify({ mode, awaitNs, invokeNs }));
await provider.shutdown();

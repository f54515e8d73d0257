/**
 * Memory a traced stream holds for its recorded output (issue 9, item 22): 1,000 distinct 256 KB
 * Buffers streamed through a traced call and consumed, with tracing on and off. Prints the peak
 * ArrayBuffer memory above the start; asserts nothing.
 *
 *   node --expose-gc --import tsx bench/stream-memory.ts
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { configureTracing, fn } from '../packages/core/src/index.js';
import { runWithTraceContext } from '../packages/core/src/internal.js';

const CHUNKS = 1_000;
const CHUNK_BYTES = 256 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
configureTracing({
  tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
});

async function peakMb(tracing: boolean): Promise<number> {
  let peak = 0;
  const bytes = fn(
    async function* () {
      for (let i = 0; i < CHUNKS; i++) {
        yield Buffer.alloc(CHUNK_BYTES, i % 256);
        if (i % 100 === 99) {
          gc!();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        }
      }
    },
    { name: 'bytes' },
  );
  gc!();
  const start = process.memoryUsage().arrayBuffers;
  const invoke = () => bytes.invoke(null) as Promise<AsyncIterable<Buffer>>;
  const stream = tracing ? await invoke() : await runWithTraceContext({ enabled: false }, invoke);
  for await (const _ of stream);
  return (peak - start) / 1024 / 1024;
}

const off = await peakMb(false);
const on = await peakMb(true);
const output = String(exporter.getFinishedSpans()[0]?.attributes['lazytrace.output'] ?? '');
console.log(`${CHUNKS} × ${CHUNK_BYTES / 1024} KB Buffers streamed and consumed`);
console.log(`  tracing off: peak ${off.toFixed(1)} MB of ArrayBuffer memory above the start`);
console.log(`  tracing on:  peak ${on.toFixed(1)} MB; recorded output ${output.slice(0, 80)}`);

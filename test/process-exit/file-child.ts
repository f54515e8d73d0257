/**
 * The file backend at the edge of the file system. MODE=batches: three exports straight to a
 * FileSpanExporter (a small one, one too big for the file size limit the parent set with
 * `ulimit -f`, a small one), printing each result. MODE=pipeline: initTracing with the file
 * backend (LAZYTRACE_FILE, e.g. a FIFO nobody reads), a few calls, shutdownTracing().
 */
import { FileSpanExporter, getTracingStats, initTracing, shutdownTracing } from '@lazytrace/config';
import { fn, setLogger } from '@lazytrace/core';
import { ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

const warnings: string[] = [];
setLogger({ warn: (m) => warnings.push(m) });

if (process.env.MODE === 'batches') {
  const memory = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer(
    't',
  );
  const spans = (n: number) => {
    memory.reset();
    for (let i = 0; i < n; i++)
      tracer.startSpan(`span-${i}`, { attributes: { i, pad: 'x'.repeat(200) } }).end();
    return memory.getFinishedSpans();
  };
  const exporter = new FileSpanExporter(process.env.FILE!);
  const results: string[] = [];
  for (const n of [1, 300, 1]) {
    const code = await new Promise<number>((resolve) =>
      exporter.export([...spans(n)], (r) => resolve(r.code)),
    );
    results.push(code === ExportResultCode.SUCCESS ? 'ok' : 'failed');
  }
  await exporter.shutdown();
  console.log(JSON.stringify({ results, warnings }));
} else {
  initTracing({ serviceName: 'file-child', flushTimeoutMs: 1000 });
  const step = fn(async (x: number) => x + 1, { name: 'step' });
  for (let i = 0; i < 5; i++) await step.invoke(i);
  console.log('{"mark":true}');
  await shutdownTracing();
  console.log(JSON.stringify({ final: true, stats: getTracingStats(), warnings }));
}

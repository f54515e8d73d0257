import { TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { BatchExportProcessor } from './batch-export-processor.js';
import { GuardedExporter } from './export-guard.js';
import { BoundedProcessor, StatsRecorder } from './stats.js';

const memory = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('t');
const sample = (() => {
  tracer.startSpan('s').end();
  return memory.getFinishedSpans()[0] as ReadableSpan;
})();

/** An exporter whose exports end when the test says so. */
function heldExporter() {
  const held: { spans: ReadableSpan[]; done: (r: ExportResult) => void }[] = [];
  const exporter: SpanExporter = {
    export: (spans, done) => void held.push({ spans, done }),
    shutdown: async () => {},
  };
  const finish = (i = 0) => held.splice(i, 1)[0]!.done({ code: ExportResultCode.SUCCESS });
  return { held, exporter, finish };
}

function setup(delayMs = 60_000) {
  const { held, exporter, finish } = heldExporter();
  const stats = new StatsRecorder();
  const guard = new GuardedExporter('test', exporter, stats, 60_000);
  const processor = new BatchExportProcessor(guard, stats, {
    maxQueuedSpans: 2048,
    maxBatchSpans: 512,
    maxConcurrentExports: 2,
    delayMs,
  });
  const end = (n: number) => {
    for (let i = 0; i < n; i++) {
      stats.ended++;
      processor.onEnd(sample);
    }
  };
  return { held, finish, stats, guard, processor, end };
}

describe('BatchExportProcessor (issue 10: drops at 30k spans/s)', () => {
  it('counts only waiting spans against the bound, not the batches being sent', () => {
    const { held, stats, end } = setup();
    end(1024); // two full batches, both in flight
    expect(held.map((h) => h.spans.length)).toEqual([512, 512]);
    end(2048); // waiting: exactly the bound
    expect(stats.dropped).toBe(0);
    end(1);
    expect(stats.dropped).toBe(1);
  });

  it('sends a full batch at once and keeps at most two exports in flight', () => {
    const { held, finish, end } = setup();
    end(511);
    expect(held).toHaveLength(0);
    end(1);
    expect(held).toHaveLength(1);
    end(512 * 3);
    expect(held).toHaveLength(2);
    finish();
    // The slot freed: the next full batch goes without waiting for the delay.
    expect(held).toHaveLength(2);
    finish();
    finish();
    expect(held).toHaveLength(1);
  });

  it('sends a partial batch after the delay, and counts every span once', async () => {
    const { held, finish, stats, end } = setup(20);
    end(10);
    expect(held).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(held.map((h) => h.spans.length)).toEqual([10]);
    finish();
    expect(stats.snapshot()).toMatchObject({ ended: 10, exported: 10, dropped: 0 });
  });

  it('forceFlush sends everything waiting and resolves when the exports have ended', async () => {
    const { held, finish, stats, processor, end } = setup();
    end(1500);
    let flushed = false;
    const flush = processor.forceFlush().then(() => {
      flushed = true;
    });
    expect(held.map((h) => h.spans.length)).toEqual([512, 512, 476]);
    await Promise.resolve();
    expect(flushed).toBe(false);
    while (held.length > 0) finish();
    await flush;
    expect(stats.snapshot()).toMatchObject({ ended: 1500, exported: 1500, dropped: 0 });
  });

  it('waits for resource attributes still to come before exporting, and forceFlush waits for that export', async () => {
    const { held, finish, stats, processor, end } = setup();
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const resource = Object.create(sample.resource, {
      asyncAttributesPending: { value: true },
      waitForAsyncAttributes: { value: () => arrived },
    });
    stats.ended++;
    processor.onEnd(Object.create(sample, { resource: { value: resource } }) as ReadableSpan);
    end(1);
    let flushed = false;
    const flush = processor.forceFlush().then(() => {
      flushed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(0);
    expect(flushed).toBe(false);
    arrive();
    await new Promise((r) => setTimeout(r, 0));
    expect(held.map((h) => h.spans.length)).toEqual([2]);
    expect(flushed).toBe(false);
    finish();
    await flush;
    expect(stats.snapshot()).toMatchObject({ ended: 2, exported: 2, dropped: 0 });
  });

  it('at the final deadline: what waits and what is in flight is dropped and counted, later spans too', () => {
    const { stats, guard, end } = setup();
    end(1024 + 100);
    guard.stop(new Error('deadline'));
    end(5);
    expect(stats.snapshot()).toMatchObject({ ended: 1129, exported: 0, dropped: 1129 });
  });
});

describe('a span recorded but not sampled (a sampler answering RECORD)', () => {
  const unsampled = Object.create(sample, {
    spanContext: { value: () => ({ ...sample.spanContext(), traceFlags: TraceFlags.NONE }) },
  }) as ReadableSpan;

  it('is neither exported nor left pending by the batch processor', async () => {
    const { held, guard, processor } = setup();
    processor.onEnd(unsampled);
    expect(guard.pending).toBe(0);
    await processor.forceFlush();
    expect(held).toHaveLength(0);
  });

  it('is neither exported nor left pending by the simple one behind its bound', async () => {
    const { held, exporter } = heldExporter();
    const stats = new StatsRecorder();
    const guard = new GuardedExporter('test', exporter, stats, 60_000);
    const processor = new BoundedProcessor(new SimpleSpanProcessor(guard), guard, stats, 1);
    processor.onEnd(unsampled);
    // Left pending, it would keep the backend busy (the exit flush runs again) and take the bound.
    expect(guard.pending).toBe(0);
    expect(guard.busy()).toBe(false);
    processor.onEnd(sample);
    expect(stats.dropped).toBe(0);
    expect(held.map((h) => h.spans.length)).toEqual([1]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fn, setLogger } from '@lazytrace/core';
import { ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { runChild } from '../../../../test/process-exit/run-child.js';
import { describeTracing, FileSpanExporter, initTracing, shutdownTracing } from '../index.js';

afterEach(async () => {
  await shutdownTracing();
  setLogger(undefined);
});

const tmp = () => mkdtempSync(join(tmpdir(), 'lazytrace-file-'));
const memory = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('t');
function spans(n: number): ReadableSpan[] {
  memory.reset();
  for (let i = 0; i < n; i++) tracer.startSpan(`span-${i}`).end();
  return [...memory.getFinishedSpans()];
}
const exportTo = (exporter: FileSpanExporter, batch: ReadableSpan[]) =>
  new Promise<number>((resolve) => exporter.export(batch, (r) => resolve(r.code)));
/** File descriptors of this process open on `path`. */
const fdsOn = (path: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
const linesOf = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('the file backend (issue 9, item 19)', () => {
  it('writes the very next batch into a file renamed over its path (lazytrace cleanup, rotation)', async () => {
    const dir = tmp();
    const path = join(dir, 'traces.jsonl');
    const exporter = new FileSpanExporter(path);
    expect(await exportTo(exporter, spans(1))).toBe(ExportResultCode.SUCCESS);
    // An atomic rewrite: a new file renamed over the path while the exporter holds the old one.
    writeFileSync(join(dir, 'rewritten.tmp'), 'kept\n');
    renameSync(join(dir, 'rewritten.tmp'), path);
    expect(await exportTo(exporter, spans(2))).toBe(ExportResultCode.SUCCESS);
    const lines = linesOf(path);
    expect(lines[0]).toBe('kept');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!).resourceSpans[0].scopeSpans[0].spans).toHaveLength(2);
    await exporter.shutdown();
  });

  it('writes each batch as the OTLP/JSON text OTel would send, also non-ASCII, after a larger line', async () => {
    const path = join(tmp(), 'traces.jsonl');
    const exporter = new FileSpanExporter(path);
    memory.reset();
    for (let i = 0; i < 300; i++)
      tracer.startSpan(`big-${i}`, { attributes: { text: 'x'.repeat(200) } }).end();
    const big = [...memory.getFinishedSpans()];
    memory.reset();
    tracer.startSpan('unicode é 漢字 😀', { attributes: { text: 'ü'.repeat(5000), lone: '\ud800' } }).end();
    const unicode = [...memory.getFinishedSpans()];
    const small = spans(1);
    // The line buffer is kept across batches: a shorter line after a longer one must not carry
    // the longer one's tail, and a line longer in bytes than in characters must be whole.
    for (const batch of [big, small, unicode, small]) {
      expect(await exportTo(exporter, batch)).toBe(ExportResultCode.SUCCESS);
    }
    await exporter.shutdown();
    const expected = [big, small, unicode, small].map((b) =>
      new TextDecoder().decode(JsonTraceSerializer.serializeRequest(b)),
    );
    expect(readFileSync(path, 'utf8')).toBe(`${expected.join('\n')}\n`);
  });

  it('keeps one descriptor open across batches (no open/append/close per batch)', async () => {
    const path = join(tmp(), 'traces.jsonl');
    const exporter = new FileSpanExporter(path);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      expect(await exportTo(exporter, spans(2))).toBe(ExportResultCode.SUCCESS);
      const fds = fdsOn(path);
      expect(fds).toHaveLength(1);
      seen.add(fds[0]!);
    }
    expect(seen.size).toBe(1);
    expect(linesOf(path).map((l) => JSON.parse(l).resourceSpans.length)).toEqual([1, 1, 1]);
    await exporter.shutdown();
    expect(fdsOn(path)).toHaveLength(0);
  });

  it('a directory that cannot be made: a clear message naming the path, no exception, counted failures', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    // /proc refuses new directories (ENOENT), like a read-only working directory.
    const path = '/proc/lazytrace-test/traces.jsonl';
    const exporter = new FileSpanExporter(path);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('/proc/lazytrace-test');
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toMatch(/not writable.*LAZYTRACE_FILE/);
    expect(await exportTo(exporter, spans(1))).toBe(ExportResultCode.FAILED);
    expect(warnings).toHaveLength(1);
    // Through initTracing: the application starts, and its calls work.
    expect(() => initTracing({ backends: ['file'], file: { path } })).not.toThrow();
    const step = fn(async (x: number) => x + 1, { name: 'step' });
    expect(await step.invoke(1)).toBe(2);
  });

  it('is written within its short default flush interval (200 ms), overridable', async () => {
    const path = join(tmp(), 'traces.jsonl');
    initTracing({ backends: ['file'], file: { path } });
    expect(describeTracing()!.backends[0]).toMatchObject({ name: 'file', flushIntervalMs: 200 });
    const step = fn(async (x: number) => x + 1, { name: 'step' });
    await step.invoke(1);
    // No flush: the batch is written by the processor's own timer. Bounded poll (OTel's default
    // delay, 5 s, would fail it).
    const until = Date.now() + 3_000;
    let lines: string[] = [];
    while (Date.now() < until) {
      try {
        lines = linesOf(path);
      } catch {
        lines = [];
      }
      if (lines.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(lines).toHaveLength(1);
    await shutdownTracing();
    initTracing({ backends: ['file'], file: { path, flushIntervalMs: 50 } });
    expect(describeTracing()!.backends[0]).toMatchObject({ flushIntervalMs: 50 });
    await shutdownTracing();
    expect(() => initTracing({ backends: ['file'], file: { path, flushIntervalMs: -1 } })).toThrow(
      /file\.flushIntervalMs/,
    );
  });

  it('a FIFO nobody reads: the process is not frozen, the spans are counted, the message says why', async () => {
    const fifo = join(tmp(), 'traces.fifo');
    execFileSync('mkfifo', [fifo]);
    const result = await runChild(
      './file-child.ts',
      { MODE: 'pipeline', LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: fifo },
      { killAfterMs: 20_000 },
    );
    expect(result.killed, result.stderr).toBe(false);
    expect(result.code).toBe(0);
    const final = result.lines.find((l) => l.final === true) as {
      stats: { ended: number; dropped: number };
      warnings: string[];
    };
    expect(final.stats).toMatchObject({ ended: 5, dropped: 5 });
    expect(final.warnings.join('\n')).toMatch(/FIFO that nobody reads/);
    expect(final.warnings).toHaveLength(1);
  });

  it('a write that fails half-way (file size limit) leaves no partial line: the next line is whole', async () => {
    const path = join(tmp(), 'traces.jsonl');
    // 16 KB: the first batch fits, the second does not (it is cut by the limit), the third fits.
    const result = await runChild(
      './file-child.ts',
      { MODE: 'batches', FILE: path },
      { shell: 'ulimit -f 16' },
    );
    expect(result.killed, result.stderr).toBe(false);
    const report = result.lines[0] as { results: string[]; warnings: string[] };
    expect(report.results).toEqual(['ok', 'failed', 'ok']);
    const lines = linesOf(path);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });
});

/**
 * Streaming file reader: JSON lines are parsed as they arrive (a 100,000-span file is never held
 * as one string); a file that is one JSON document (pretty-printed object, array) is read whole.
 * Node modules are loaded on first use, so importing this package in a browser (the viewer) works.
 */
import { ProblemLog, readLine, readOtlpJson } from './read.js';
import type { ReadProblem, SpanRecord } from './types.js';

export interface ReadFileOptions {
  /** Spans per batch handed to onSpans / yielded. Default 1000. */
  batchSize?: number;
  onProblem?: (problem: ReadProblem) => void;
  /** Streaming: each batch goes here and the result's spans stay empty. */
  onSpans?: (spans: SpanRecord[]) => void;
}

export interface ReadFileResult {
  /** Every span, unless `onSpans` took them. */
  spans: SpanRecord[];
  spanCount: number;
  problems: ReadProblem[];
}

/** Reads an OTLP-JSON file (lines, object or array). Never throws for bad content; a missing file rejects. */
export async function readOtlpJsonFile(path: string, opts: ReadFileOptions = {}): Promise<ReadFileResult> {
  const problems: ReadProblem[] = [];
  const spans: SpanRecord[] = [];
  let spanCount = 0;
  for await (const batch of batches(path, opts, problems)) {
    spanCount += batch.length;
    if (opts.onSpans !== undefined) opts.onSpans(batch);
    else for (const span of batch) spans.push(span);
  }
  return { spans, spanCount, problems };
}

/**
 * The same as an async iterable of batches: `for await (const batch of streamOtlpJsonFile(path))`.
 * Problems go to `opts.onProblem`.
 */
export async function* streamOtlpJsonFile(
  path: string,
  opts: ReadFileOptions = {},
): AsyncGenerator<SpanRecord[]> {
  yield* batches(path, opts, []);
}

async function* batches(
  path: string,
  opts: ReadFileOptions,
  problems: ReadProblem[],
): AsyncGenerator<SpanRecord[]> {
  const batchSize = Math.max(1, opts.batchSize ?? 1000);
  const { createReadStream } = await import('node:fs');
  const { StringDecoder } = await import('node:string_decoder');
  const log = new ProblemLog(opts.onProblem);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const decoder = new StringDecoder('utf8');
  let pending: string[] = [];
  let lineNumber = 0;
  let spans: SpanRecord[] = [];
  // Decided on the first line: JSON lines, or one document to read whole.
  let mode: 'unknown' | 'lines' | 'whole' = 'unknown';
  let whole: string[] = [];

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = decoder.write(chunk);
      if (lineNumber === 0 && pending.length === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (mode === 'whole') {
        whole.push(text);
        continue;
      }
      let start = 0;
      while (true) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) {
          if (start < text.length) pending.push(text.slice(start));
          break;
        }
        const piece = text.slice(start, nl);
        const line = pending.length === 0 ? piece : pending.join('') + piece;
        pending = [];
        start = nl + 1;
        lineNumber++;
        if (mode === 'unknown') {
          if (line.trim().length === 0) {
            lineNumber--;
            continue;
          }
          mode = firstLineParses(line) ? 'lines' : 'whole';
          if (mode === 'whole') {
            whole = [line, '\n', text.slice(start)];
            break;
          }
        }
        readLine(line, lineNumber, false, spans, log);
        if (spans.length >= batchSize) {
          yield spans;
          spans = [];
        }
      }
    }
    const rest = pending.join('') + decoder.end();
    if (mode === 'whole') {
      whole.push(rest);
      const result = readOtlpJson(whole.join(''), {});
      whole = [];
      for (const problem of result.problems) log.add(problem);
      for (let i = 0; i < result.spans.length; i += batchSize) yield result.spans.slice(i, i + batchSize);
    } else if (rest.trim().length > 0) {
      lineNumber++;
      if (mode === 'unknown') {
        // The whole file is one line without a line end: one document, or a torn line.
        const result = readOtlpJson(rest, {});
        for (const problem of result.problems) log.add(problem);
        for (const span of result.spans) spans.push(span);
      } else {
        readLine(rest, lineNumber, true, spans, log);
      }
    }
    if (spans.length > 0) yield spans;
  } finally {
    stream.destroy();
    for (const problem of log.finish()) problems.push(problem);
  }
}

function firstLineParses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

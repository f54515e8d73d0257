import type { ReadProblem, SpanRecord } from './types.js';

export interface ReadFileOptions {
  /** Spans per batch handed to onSpans / yielded. Default 1000. */
  batchSize?: number;
  onProblem?: (problem: ReadProblem) => void;
  /** Streaming: each batch goes here and the result's spans stay empty. */
  onSpans?: (spans: SpanRecord[]) => void;
}

/** Reads an OTLP-JSON file (lines, object or array) without holding its text whole when it is lines. */
export async function readOtlpJsonFile(
  path: string,
  opts: ReadFileOptions = {},
): Promise<{ spans: SpanRecord[]; spanCount: number; problems: ReadProblem[] }> {
  void path;
  void opts;
  throw new Error('@lazytrace/traces: not implemented yet');
}

/** The same as batches: for await (const batch of streamOtlpJsonFile(path)). */
export async function* streamOtlpJsonFile(
  path: string,
  opts: ReadFileOptions = {},
): AsyncGenerator<SpanRecord[]> {
  void path;
  void opts;
  throw new Error('@lazytrace/traces: not implemented yet');
}

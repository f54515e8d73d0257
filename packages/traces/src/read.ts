import type { ReadProblem, ReadResult, SpanRecord } from './types.js';

export interface ReadOptions {
  /** Called for each problem as it is found (they are also returned). */
  onProblem?: (problem: ReadProblem) => void;
}

/** Reads OTLP-JSON text: JSON lines, one object, or an array. Never throws. */
export function readOtlpJson(text: string, opts: ReadOptions = {}): ReadResult {
  void text;
  void opts;
  throw new Error('@lazytrace/traces: not implemented yet');
}

/** One line of an OTLP-JSON lines file. Never throws. */
export function parseOtlpJsonLine(
  line: string,
  lineNumber?: number,
): { spans: SpanRecord[]; problem?: ReadProblem } {
  void line;
  void lineNumber;
  throw new Error('@lazytrace/traces: not implemented yet');
}

/** Spans of an ExportTraceServiceRequest object (JSON-decoded or protobufjs toObject output). */
export function fromOtlpRequest(request: unknown): SpanRecord[] {
  void request;
  throw new Error('@lazytrace/traces: not implemented yet');
}

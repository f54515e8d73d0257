import type { BuiltTrace, DetailLevel, SpanRecord, TraceBreakdown, TraceSummary } from './types.js';

export function groupByTrace(spans: Iterable<SpanRecord>): Map<string, SpanRecord[]> {
  void spans;
  throw new Error('@lazytrace/traces: not implemented yet');
}

/** The tree of one trace's spans; orphans kept; clock skew tolerated. */
export function buildTrace(spans: readonly SpanRecord[], level: DetailLevel = 'standard'): BuiltTrace {
  void spans;
  void level;
  throw new Error('@lazytrace/traces: not implemented yet');
}

export function summarizeTrace(spans: readonly SpanRecord[]): TraceSummary {
  void spans;
  throw new Error('@lazytrace/traces: not implemented yet');
}

export function traceBreakdown(spans: readonly SpanRecord[]): TraceBreakdown {
  void spans;
  throw new Error('@lazytrace/traces: not implemented yet');
}

import type { Analysis, SpanRecord } from './types.js';

export interface AnalysisOptions {
  /** Traces at least this long are slow; default: above the p95 of the analysed traces. */
  slowThresholdMs?: number;
}

export function analyzeTrace(spans: readonly SpanRecord[], opts: AnalysisOptions = {}): Analysis {
  void spans;
  void opts;
  throw new Error('@lazytrace/traces: not implemented yet');
}

export function analyzeTraces(
  traces: readonly (readonly SpanRecord[])[],
  opts: AnalysisOptions = {},
): Analysis {
  void traces;
  void opts;
  throw new Error('@lazytrace/traces: not implemented yet');
}

import type { SessionSummary, SpanRecord, StatsGroupBy, StatsResult, TraceSummary } from './types.js';

export interface StatsOptions {
  groupBy?: StatsGroupBy;
  /** Histogram buckets. Default 20. */
  buckets?: number;
}

export function computeStats(
  items: readonly TraceSummary[] | readonly SpanRecord[] | readonly number[],
  opts: StatsOptions = {},
): StatsResult {
  void items;
  void opts;
  throw new Error('@lazytrace/traces: not implemented yet');
}

export function percentile(sorted: readonly number[], p: number): number {
  void sorted;
  void p;
  throw new Error('@lazytrace/traces: not implemented yet');
}

export function summarizeSessions(traces: readonly TraceSummary[]): SessionSummary[] {
  void traces;
  throw new Error('@lazytrace/traces: not implemented yet');
}

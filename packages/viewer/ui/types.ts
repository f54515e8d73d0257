/**
 * The JSON shapes of lazytrace's HTTP API (DESIGN.md part 2), as the viewer reads them. The viewer
 * depends on these shapes only, never on the server's code; every field it does not strictly need
 * is optional so that a newer or older server still renders.
 */

export type Status = 'ok' | 'error' | 'unset';

export interface Tokens {
  input?: number;
  output?: number;
  total?: number;
}

export interface TraceSummary {
  traceId: string;
  name: string;
  startTime: string;
  durationMs: number;
  status: Status;
  spanCount?: number;
  errorCount?: number;
  sessionId?: string | null;
  userId?: string | null;
  tags?: string[] | null;
  input?: unknown;
  output?: unknown;
  model?: string | null;
  tokens?: Tokens | null;
}

export interface SpanEvent {
  name: string;
  /** Either form is accepted: epoch ms or an ISO string. */
  timeMs?: number;
  time?: string;
  timestamp?: string;
  attributes?: Record<string, unknown>;
}

export interface SpanNode {
  spanId: string;
  parentSpanId?: string | null;
  name: string;
  kind: string;
  startTime: string;
  endTime: string;
  /** Present when the server sends exact epoch ms (sub-millisecond spans); else parsed from startTime. */
  startMs?: number;
  endMs?: number;
  /** Where to draw the span when its clock disagreed with its parent's (clock skew corrected). */
  displayStartMs?: number;
  displayEndMs?: number;
  durationMs: number;
  selfTimeMs?: number;
  status: Status;
  statusMessage?: string | null;
  input?: unknown;
  output?: unknown;
  attributes?: Record<string, unknown>;
  events?: SpanEvent[];
  /** Only at level=debug. */
  resource?: Record<string, unknown>;
  children: SpanNode[];
}

export interface TraceDetail {
  trace: TraceSummary;
  root: SpanNode | null;
  orphans: SpanNode[];
}

export interface TraceList {
  traces: TraceSummary[];
  nextCursor?: string | null;
}

export interface Bottleneck {
  /** Spans are grouped by name and kind. */
  name: string;
  kind?: string;
  count?: number;
  criticalPathMs?: number;
  criticalPathShare?: number;
  selfTimeMs?: number;
  selfTimeShare?: number;
  spanIds?: string[];
  traceIds?: string[];
  [key: string]: unknown;
}

export interface Recommendation {
  rule: string;
  message: string;
  spanIds?: string[];
  traceIds?: string[];
  estimatedSavingMs?: number;
  [key: string]: unknown;
}

export interface ErrorCluster {
  name?: string;
  errorType?: string | null;
  message?: string;
  example?: string | null;
  count: number;
  spanIds?: string[];
  traceIds?: string[];
  [key: string]: unknown;
}

export interface SlowTrace {
  traceId: string;
  name?: string;
  durationMs: number;
  dominantSpan?: { name: string; spanId?: string; criticalPathMs?: number; share?: number } | null;
  [key: string]: unknown;
}

export interface Analysis {
  bottlenecks?: Bottleneck[];
  criticalPath?: string[];
  errors?: ErrorCluster[];
  slowTraces?: SlowTrace[];
  recommendations?: Recommendation[];
}

export interface HistogramBucket {
  /** Lower and upper bound in ms; the server may name them differently (normalized in stats.ts). */
  startMs: number;
  endMs: number;
  count: number;
}

export interface Stats {
  count: number;
  errorRate: number;
  p50: number;
  p90: number;
  p95?: number;
  p99: number;
  histogram: HistogramBucket[];
}

export interface SessionSummary {
  sessionId: string;
  traceCount: number;
  firstSeen: string;
  lastSeen: string;
  users: string[];
}

export interface TraceFilters {
  name?: string;
  status?: 'ok' | 'error' | '';
  session?: string;
  user?: string;
  tag?: string;
  minDurationMs?: number;
  maxDurationMs?: number;
  since?: string;
  until?: string;
  q?: string;
}

/** What `renderOfflineReport` embeds: the same shapes as the API. */
export interface OfflineData {
  /** A trace may carry its own analysis; else the report-wide one is narrowed to it. */
  traces: (TraceDetail & { analysis?: Analysis })[];
  analysis?: Analysis;
  stats?: unknown;
  title?: string;
  generatedAt?: string;
}

/**
 * The shapes every part 2 package shares: the span record the reader produces, and the JSON
 * shapes of the trace service's HTTP API (DESIGN.md part 2). Ids are lowercase hex; times in the
 * API shapes are ISO strings plus `durationMs`.
 */

/** How much of each span an API answer carries (seed 002's verbosity). */
export type DetailLevel = 'minimal' | 'standard' | 'detailed' | 'debug';
export const DETAIL_LEVELS: readonly DetailLevel[] = ['minimal', 'standard', 'detailed', 'debug'];

export type SpanStatus = 'ok' | 'error' | 'unset';

export interface SpanEventRecord {
  name: string;
  /** Exact time, decimal nanoseconds since the epoch. */
  timeUnixNano: string;
  /** The same time as epoch milliseconds (float), for arithmetic. */
  timeMs: number;
  attributes: Record<string, unknown>;
}

export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: Record<string, unknown>;
}

/** One span as read from OTLP (JSON or decoded protobuf), with OTLP's AnyValues decoded to plain JS. */
export interface SpanRecord {
  /** Lowercase hex, 32 characters. */
  traceId: string;
  /** Lowercase hex, 16 characters. */
  spanId: string;
  /** Lowercase hex; absent for a root span. */
  parentSpanId?: string;
  traceState?: string;
  name: string;
  /** `lazytrace.kind`, else derived from GenAI / OpenInference attributes, else `'span'`. */
  kind: string;
  /** OTLP's SpanKind number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  spanKind: number;
  /** Exact times, decimal nanoseconds since the epoch. */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** Epoch milliseconds (float), for arithmetic. */
  startMs: number;
  endMs: number;
  durationMs: number;
  status: SpanStatus;
  statusMessage?: string;
  /** OTLP AnyValue decoded: strings, numbers (int64 beyond 2^53 as decimal strings), booleans, arrays, objects (kvlists). */
  attributes: Record<string, unknown>;
  events: SpanEventRecord[];
  links?: SpanLinkRecord[];
  resource: Record<string, unknown>;
  scope?: { name: string; version?: string };
}

/** Something the tolerant reader skipped; reading goes on. */
export interface ReadProblem {
  /** 1-based line of the input (JSON lines), when known. */
  line?: number;
  /** `torn-line`: an unterminated last line (a writer still appending or killed mid-write). */
  kind: 'torn-line' | 'invalid-json' | 'invalid-span' | 'unknown-shape';
  message: string;
}

export interface ReadResult {
  spans: SpanRecord[];
  problems: ReadProblem[];
}

export interface TokenCounts {
  input: number;
  output: number;
  total: number;
}

/** One request, as listed by `GET /api/traces`. */
export interface TraceSummary {
  traceId: string;
  /** `lazytrace.trace.name` of the root, else the root span's name. */
  name: string;
  /** Id of the span shown as the root (a lazytrace root under a foreign parent counts as root). */
  rootSpanId: string;
  startTime: string;
  endTime: string;
  /** Epoch milliseconds of the earliest start (float), for sorting and arithmetic. */
  startMs: number;
  durationMs: number;
  /** `'error'` when any span of the trace ended in error. */
  status: 'ok' | 'error';
  spanCount: number;
  errorCount: number;
  sessionId: string | null;
  userId: string | null;
  tags: string[];
  /** Previews (≤ 500 characters) of the root's input and output, else the trace's earliest input and last output. */
  input: string | null;
  output: string | null;
  /** The model of the first generation (response model, else request model). */
  model: string | null;
  /** Usage summed over the generations, never counting a nested generation twice. */
  tokens: TokenCounts;
  /** `service.name` of the root's resource. */
  serviceName: string | null;
}

/** One span of a trace tree, as `GET /api/traces/:id` answers it. */
export interface SpanNode {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  startTime: string;
  endTime: string;
  /** Recorded epoch milliseconds (floats). */
  startMs: number;
  endMs: number;
  /**
   * Where to draw the span: its recorded times, unless its clock disagrees with its parent's. A
   * child that starts before its parent is clamped to the parent's start when it overlaps the
   * parent, or moved there with its whole subtree when it lies entirely before it. Self time and
   * the critical path use these.
   */
  displayStartMs: number;
  displayEndMs: number;
  /** Display start minus recorded start (0 when the clocks agree). */
  clockSkewMs: number;
  durationMs: number;
  /** Duration minus the union of its children's (display) intervals inside it. */
  selfTimeMs: number;
  status: SpanStatus;
  statusMessage: string | null;
  /** Previews ≤ 500 characters at `standard`, full text at `detailed` and `debug`, null at `minimal`. */
  input: string | null;
  output: string | null;
  model: string | null;
  tokens: TokenCounts | null;
  /** Empty below `detailed`. */
  attributes: Record<string, unknown>;
  /** Empty below `debug`; `time` is the event's time as an ISO string. */
  events: (SpanEventRecord & { time: string })[];
  /** Only at `debug`. */
  resource?: Record<string, unknown>;
  children: SpanNode[];
}

/** `GET /api/traces/:id`. */
export interface BuiltTrace {
  trace: TraceSummary;
  root: SpanNode;
  /** Spans whose parent is not in the trace (beyond the one chosen as root), with their subtrees. */
  orphans: SpanNode[];
}

/** `GET /api/traces/:id/summary`. */
export interface TraceBreakdown {
  traceId: string;
  durationMs: number;
  spanCount: number;
  spansByKind: Record<string, number>;
  tokens: TokenCounts;
  errorCount: number;
  errors: { spanId: string; name: string; message: string | null }[];
  models: string[];
}

export type StatsGroupBy = 'name' | 'kind' | 'model';

export interface HistogramBucket {
  /** Inclusive lower bound, ms. */
  startMs: number;
  /** Exclusive upper bound, ms (inclusive for the last bucket). */
  endMs: number;
  count: number;
}

export interface StatsFigures {
  count: number;
  errorCount: number;
  /** errorCount / count, 0 when empty. */
  errorRate: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** Percentiles of the durations in ms (linear interpolation between closest ranks). */
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  histogram: HistogramBucket[];
  tokens: TokenCounts;
}

/** `GET /api/stats`. */
export interface StatsResult extends StatsFigures {
  groupBy?: StatsGroupBy;
  /** Per group (by count, largest first), when `groupBy` is given. */
  groups?: (StatsFigures & { key: string })[];
}

/** `GET /api/sessions`. */
export interface SessionSummary {
  sessionId: string;
  traceCount: number;
  errorCount: number;
  firstSeen: string;
  lastSeen: string;
  users: string[];
  tokens: TokenCounts;
  durationMs: number;
}

export interface Bottleneck {
  /** Spans are grouped by name and kind. */
  name: string;
  kind: string;
  count: number;
  /** Time these spans spent on their traces' critical paths, summed. */
  criticalPathMs: number;
  /** criticalPathMs / the analysed traces' total duration. */
  criticalPathShare: number;
  selfTimeMs: number;
  /** selfTimeMs / the analysed traces' total duration. */
  selfTimeShare: number;
  /** Evidence (at most 20). */
  spanIds: string[];
  traceIds: string[];
}

export interface ErrorCluster {
  /** `name | errorType | normalized message`. */
  key: string;
  name: string;
  errorType: string | null;
  /** Digits, ids and quoted strings replaced by placeholders. */
  message: string;
  /** One message as recorded. */
  example: string | null;
  count: number;
  spanIds: string[];
  traceIds: string[];
}

export interface SlowTrace {
  traceId: string;
  name: string;
  durationMs: number;
  thresholdMs: number;
  /** The span with the most time on the critical path (its own time, children excluded). */
  dominantSpan: { spanId: string; name: string; kind: string; criticalPathMs: number; share: number } | null;
}

export type RecommendationRule =
  | 'parallelize-siblings'
  | 'cache-repeated-llm-input'
  | 'time-to-first-token'
  | 'oversized-prompt'
  | 'tool-error-rate'
  | 'retry-storm'
  | 'stream-long-generation';

export interface Recommendation {
  rule: RecommendationRule;
  /** One readable sentence. */
  message: string;
  /** Evidence. */
  spanIds: string[];
  traceIds: string[];
  /** Estimated time saved, ms (per occurrence summed over the analysed traces). */
  estimatedSavingMs: number;
}

/** `GET /api/traces/:id/analysis` and `GET /api/analysis`. */
export interface Analysis {
  traceCount: number;
  spanCount: number;
  totalDurationMs: number;
  bottlenecks: Bottleneck[];
  /** Span ids in time order: of the trace, or of the slowest trace when several are analysed. */
  criticalPath: string[];
  errors: ErrorCluster[];
  slowTraces: SlowTrace[];
  recommendations: Recommendation[];
}

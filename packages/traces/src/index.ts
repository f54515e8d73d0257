// Public API of @lazytrace/traces. Explicit named exports only.
export { type AnalysisOptions, analyzeTrace, analyzeTraces } from './analysis.js';
export { buildTrace, groupByTrace, summarizeTrace, traceBreakdown } from './build.js';
export { parseDuration } from './duration.js';
export { clusterErrors, normalizeErrorMessage } from './errors.js';
export { fromOtlpRequest, parseOtlpJsonLine, type ReadOptions, readOtlpJson } from './read.js';
export {
  type ReadFileOptions,
  type ReadFileResult,
  readOtlpJsonFile,
  streamOtlpJsonFile,
} from './read-file.js';
export { fromReadableSpan, type ReadableSpanLike } from './readable-span.js';
export type { RecommendationOptions } from './recommendations.js';
export { formatDuration, type RenderOptions, renderTraceTree } from './render.js';
export {
  errorMessageOf,
  errorTypeOf,
  inputOf,
  isStreaming,
  kindOf,
  modelOf,
  outputOf,
  PREVIEW_CHARS,
  tagsOf,
  timeToFirstChunkMs,
  tokensOf,
} from './semantics.js';
export { computeStats, histogram, percentile, type StatsOptions, summarizeSessions } from './stats.js';
export { criticalPath, selfTimes } from './timing.js';
export {
  type Analysis,
  type Bottleneck,
  type BuiltTrace,
  DETAIL_LEVELS,
  type DetailLevel,
  type ErrorCluster,
  type HistogramBucket,
  type ReadProblem,
  type ReadResult,
  type Recommendation,
  type RecommendationRule,
  type SessionSummary,
  type SlowTrace,
  type SpanEventRecord,
  type SpanLinkRecord,
  type SpanNode,
  type SpanRecord,
  type SpanStatus,
  type StatsFigures,
  type StatsGroupBy,
  type StatsResult,
  type TokenCounts,
  type TraceBreakdown,
  type TraceSummary,
} from './types.js';
export { toOtlpJsonLines, toOtlpRequest } from './write.js';

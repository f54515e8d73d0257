/**
 * Analysis of one trace or many (DESIGN.md's `Analysis`): bottlenecks by critical-path share and
 * self time, the critical path, clustered errors, slow traces with their dominant span, and
 * recommendations.
 */
import { clusterErrors } from './errors.js';
import { type RecommendationOptions, recommend } from './recommendations.js';
import { percentile } from './stats.js';
import { assemble, criticalPathIds, type Tree, type TreeNode } from './tree.js';
import type { Analysis, Bottleneck, SlowTrace, SpanRecord } from './types.js';

export interface AnalysisOptions extends RecommendationOptions {
  /** Traces at least this long (ms) are slow. Default: the traces above the p95 of those analysed. */
  slowThresholdMs?: number;
  /** Bottlenecks listed. Default 10. */
  maxBottlenecks?: number;
}

const MAX_EVIDENCE = 20;

export function analyzeTrace(spans: readonly SpanRecord[], opts: AnalysisOptions = {}): Analysis {
  return analyzeTraces([spans], opts);
}

/** Each element is one trace's spans (see groupByTrace). Empty traces are ignored. */
export function analyzeTraces(
  traces: readonly (readonly SpanRecord[])[],
  opts: AnalysisOptions = {},
): Analysis {
  const trees = traces.filter((t) => t.length > 0).map(assemble);
  return analyzeTrees(trees, opts);
}

export function analyzeTrees(trees: readonly Tree[], opts: AnalysisOptions = {}): Analysis {
  let spanCount = 0;
  let totalDurationMs = 0;
  let rootMs = 0;
  for (const tree of trees) {
    spanCount += tree.nodes.length;
    totalDurationMs += tree.endMs - tree.startMs;
    rootMs += tree.tops[0]!.span.durationMs;
  }
  let slowest: Tree | undefined;
  for (const tree of trees) if (slowest === undefined || duration(tree) > duration(slowest)) slowest = tree;
  return {
    traceCount: trees.length,
    spanCount,
    totalDurationMs,
    bottlenecks: bottlenecks(trees, rootMs, opts.maxBottlenecks ?? 10),
    criticalPath: slowest === undefined ? [] : criticalPathIds(slowest.tops[0]!),
    errors: clusterErrors(trees.flatMap((t) => t.nodes.map((n) => n.span))),
    slowTraces: slowTraces(trees, opts.slowThresholdMs),
    recommendations: recommend(trees, opts),
  };
}

function duration(tree: Tree): number {
  return tree.endMs - tree.startMs;
}

/**
 * Spans grouped by name and kind, ranked by their time on the critical path, then by self time.
 * Shares are of the roots' summed durations (a root's critical path adds up to its duration).
 */
function bottlenecks(trees: readonly Tree[], rootMs: number, max: number): Bottleneck[] {
  const groups = new Map<string, Bottleneck & { evidence: TreeNode[] }>();
  for (const tree of trees) {
    for (const node of tree.nodes) {
      const key = `${node.span.name}\u0000${node.span.kind}`;
      let b = groups.get(key);
      if (b === undefined) {
        b = {
          name: node.span.name,
          kind: node.span.kind,
          count: 0,
          criticalPathMs: 0,
          criticalPathShare: 0,
          selfTimeMs: 0,
          selfTimeShare: 0,
          spanIds: [],
          traceIds: [],
          evidence: [],
        };
        groups.set(key, b);
      }
      b.count++;
      b.criticalPathMs += node.criticalMs;
      b.selfTimeMs += node.selfTimeMs;
      b.evidence.push(node);
    }
  }
  const list = [...groups.values()].filter((b) => b.criticalPathMs > 0 || b.selfTimeMs > 0);
  list.sort(
    (a, b) =>
      b.criticalPathMs - a.criticalPathMs || b.selfTimeMs - a.selfTimeMs || a.name.localeCompare(b.name),
  );
  return list.slice(0, max).map(({ evidence, ...b }) => {
    // The spans that weighed most are the evidence.
    evidence.sort((x, y) => y.criticalMs - x.criticalMs || y.selfTimeMs - x.selfTimeMs);
    const spanIds: string[] = [];
    const traceIds: string[] = [];
    for (const node of evidence.slice(0, MAX_EVIDENCE)) {
      spanIds.push(node.span.spanId);
      if (!traceIds.includes(node.span.traceId)) traceIds.push(node.span.traceId);
    }
    return {
      ...b,
      criticalPathShare: rootMs > 0 ? b.criticalPathMs / rootMs : 0,
      selfTimeShare: rootMs > 0 ? b.selfTimeMs / rootMs : 0,
      spanIds,
      traceIds,
    };
  });
}

/**
 * Traces at least `thresholdMs` long, or, without a threshold, those above the p95 of the
 * analysed traces' durations (so one trace alone is never "slow"). Slowest first, at most 100.
 * The dominant span is the one with the most time of its own on the critical path.
 */
function slowTraces(trees: readonly Tree[], thresholdMs: number | undefined): SlowTrace[] {
  const durations = trees.map(duration).sort((a, b) => a - b);
  const threshold = thresholdMs ?? percentile(durations, 95);
  const slow = trees.filter((t) =>
    thresholdMs !== undefined ? duration(t) >= threshold : duration(t) > threshold,
  );
  slow.sort((a, b) => duration(b) - duration(a));
  return slow.slice(0, 100).map((tree) => {
    const root = tree.tops[0]!;
    let dominant: TreeNode | undefined;
    for (const node of tree.nodes)
      if (node.criticalMs > 0 && (dominant === undefined || node.criticalMs > dominant.criticalMs))
        dominant = node;
    const rootDuration = root.span.durationMs;
    return {
      traceId: root.span.traceId,
      name:
        typeof root.span.attributes['lazytrace.trace.name'] === 'string'
          ? (root.span.attributes['lazytrace.trace.name'] as string)
          : root.span.name,
      durationMs: duration(tree),
      thresholdMs: threshold,
      dominantSpan:
        dominant === undefined
          ? null
          : {
              spanId: dominant.span.spanId,
              name: dominant.span.name,
              kind: dominant.span.kind,
              criticalPathMs: dominant.criticalMs,
              share: rootDuration > 0 ? dominant.criticalMs / rootDuration : 0,
            },
    };
  });
}

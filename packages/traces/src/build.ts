/**
 * Spans → the API's trace shapes: `{ trace: TraceSummary, root: SpanNode, orphans: SpanNode[] }`
 * at a detail level, the summary alone, and the per-trace breakdown.
 */

import { isoTime } from './iso-time.js';
import {
  ATTR_SESSION_ID,
  ATTR_TRACE_NAME,
  ATTR_USER_ID,
  errorMessageOf,
  inputOf,
  modelOf,
  outputOf,
  PREVIEW_CHARS,
  preview,
  SERVICE_NAME,
  stringAttr,
  tagsOf,
  tokensOf,
} from './semantics.js';
import { assemble, type Tree, type TreeNode } from './tree.js';
import type {
  BuiltTrace,
  DetailLevel,
  SpanNode,
  SpanRecord,
  TokenCounts,
  TraceBreakdown,
  TraceSummary,
} from './types.js';

/** Spans by trace id, in first-seen order. */
export function groupByTrace(spans: Iterable<SpanRecord>): Map<string, SpanRecord[]> {
  const traces = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    let list = traces.get(span.traceId);
    if (list === undefined) {
      list = [];
      traces.set(span.traceId, list);
    }
    list.push(span);
  }
  return traces;
}

/**
 * The tree of one trace's spans (all of the same trace). Orphans (spans whose parent never
 * arrived) are kept with their subtrees; a child whose clock runs ahead of its parent's is
 * shifted for display and self time, never dropped. Throws only for an empty list.
 */
export function buildTrace(spans: readonly SpanRecord[], level: DetailLevel = 'standard'): BuiltTrace {
  if (spans.length === 0) throw new TypeError('buildTrace: no spans');
  const tree = assemble(spans);
  const [root, ...orphans] = tree.tops.map((top) => toNode(top, level));
  return { trace: summaryOf(tree), root: root!, orphans };
}

export function summarizeTrace(spans: readonly SpanRecord[]): TraceSummary {
  if (spans.length === 0) throw new TypeError('summarizeTrace: no spans');
  return summaryOf(assemble(spans));
}

export function summaryOf(tree: Tree): TraceSummary {
  const root = tree.tops[0]!;
  const rs = root.span;
  let errorCount = 0;
  let model: string | null = null;
  let modelStart = Number.POSITIVE_INFINITY;
  let sessionId = stringAttr(rs, ATTR_SESSION_ID);
  let userId = stringAttr(rs, ATTR_USER_ID);
  let tags = tagsOf(rs);
  for (const node of tree.nodes) {
    const span = node.span;
    if (span.status === 'error') errorCount++;
    if (span.startMs < modelStart) {
      const m = modelOf(span);
      if (m !== null) {
        model = m;
        modelStart = span.startMs;
      }
    }
    if (sessionId === null) sessionId = stringAttr(span, ATTR_SESSION_ID);
    if (userId === null) userId = stringAttr(span, ATTR_USER_ID);
    if (tags.length === 0) tags = tagsOf(span);
  }
  const name = stringAttr(rs, ATTR_TRACE_NAME) ?? rs.name;
  const rootInput = inputOf(rs);
  const service = rs.resource[SERVICE_NAME];
  return {
    traceId: rs.traceId,
    name,
    rootSpanId: rs.spanId,
    startTime: isoTime(tree.startMs),
    endTime: isoTime(tree.endMs),
    startMs: tree.startMs,
    durationMs: Math.max(0, tree.endMs - tree.startMs),
    status: errorCount > 0 ? 'error' : 'ok',
    spanCount: tree.nodes.length,
    errorCount,
    sessionId,
    userId,
    tags,
    input: preview(rootInput ?? firstInput(tree), PREVIEW_CHARS),
    output: preview(requestOutput(tree, rootInput), PREVIEW_CHARS),
    model,
    tokens: traceTokens(tree),
    serviceName: typeof service === 'string' ? service : null,
  };
}

/**
 * When the root records no content (an HTTP server span of a plain OTel app), the request's input
 * is the earliest span's that has one, its output the last-ending span's.
 */
function firstInput(tree: Tree): string | null {
  let best: string | null = null;
  let at = Number.POSITIVE_INFINITY;
  for (const node of tree.nodes) {
    if (node.start >= at) continue;
    const input = inputOf(node.span);
    if (input !== null) {
      best = input;
      at = node.start;
    }
  }
  return best;
}

/**
 * The request's output is its root's. Only a root that records no content at all (no input
 * either: an HTTP server span of a plain OTel app) borrows the last-ending span's output, and
 * never when the root failed: a request that threw returned nothing, whatever a step before the
 * failure produced.
 */
function requestOutput(tree: Tree, rootInput: string | null): string | null {
  const rs = tree.tops[0]!.span;
  const own = outputOf(rs);
  if (own !== null || rootInput !== null || rs.status === 'error') return own;
  return lastOutput(tree);
}

function lastOutput(tree: Tree): string | null {
  let best: string | null = null;
  let at = Number.NEGATIVE_INFINITY;
  for (const node of tree.nodes) {
    if (node.end <= at) continue;
    const output = outputOf(node.span);
    if (output !== null) {
      best = output;
      at = node.end;
    }
  }
  return best;
}

/**
 * Usage summed over the spans that report it, skipping a span whose ancestor already reported
 * usage (a wrapped client's generation under an `llm` module would otherwise count twice).
 */
export function traceTokens(tree: Tree): TokenCounts {
  const sum: TokenCounts = { input: 0, output: 0, total: 0 };
  const stack: { node: TreeNode; covered: boolean }[] = tree.tops.map((node) => ({ node, covered: false }));
  while (stack.length > 0) {
    const { node, covered } = stack.pop()!;
    let now = covered;
    if (!covered) {
      const t = tokensOf(node.span);
      if (t !== null) {
        sum.input += t.input;
        sum.output += t.output;
        sum.total += t.total;
        now = true;
      }
    }
    for (const kid of node.children) stack.push({ node: kid, covered: now });
  }
  return sum;
}

function toNode(top: TreeNode, level: DetailLevel): SpanNode {
  // Iterative (a 10,000-deep chain must not overflow the stack), parents before children: each
  // node joins its parent's children when popped, and siblings are pushed last-first, so they
  // are popped, and joined, in order.
  const root = nodeOf(top, level);
  const stack: { node: TreeNode; into: SpanNode }[] = [];
  for (let i = top.children.length - 1; i >= 0; i--) stack.push({ node: top.children[i]!, into: root });
  while (stack.length > 0) {
    const { node, into } = stack.pop()!;
    const spanNode = nodeOf(node, level);
    into.children.push(spanNode);
    for (let i = node.children.length - 1; i >= 0; i--)
      stack.push({ node: node.children[i]!, into: spanNode });
  }
  return root;
}

function nodeOf(node: TreeNode, level: DetailLevel): SpanNode {
  const span = node.span;
  const full = level === 'detailed' || level === 'debug';
  const io = level !== 'minimal';
  const result: SpanNode = {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId ?? null,
    name: span.name,
    kind: span.kind,
    startTime: isoTime(span.startMs),
    endTime: isoTime(span.endMs),
    startMs: span.startMs,
    endMs: span.endMs,
    displayStartMs: node.start,
    displayEndMs: node.end,
    clockSkewMs: node.clockSkewMs,
    durationMs: span.durationMs,
    selfTimeMs: node.selfTimeMs,
    status: span.status,
    statusMessage:
      span.status === 'error'
        ? (errorMessageOf(span) ?? span.statusMessage ?? null)
        : (span.statusMessage ?? null),
    input: io ? (full ? inputOf(span) : preview(inputOf(span), PREVIEW_CHARS)) : null,
    output: io ? (full ? outputOf(span) : preview(outputOf(span), PREVIEW_CHARS)) : null,
    model: io ? modelOf(span) : null,
    tokens: io ? tokensOf(span) : null,
    attributes: full ? span.attributes : {},
    // Times as ISO strings, like every other time of the API (timeUnixNano stays exact).
    events: level === 'debug' ? span.events.map((e) => ({ ...e, time: isoTime(e.timeMs) })) : [],
    children: [],
  };
  if (level === 'debug') result.resource = span.resource;
  return result;
}

/** `GET /api/traces/:id/summary`: spans per kind, duration, tokens, errors, models. */
export function traceBreakdown(spans: readonly SpanRecord[]): TraceBreakdown {
  if (spans.length === 0) throw new TypeError('traceBreakdown: no spans');
  const tree = assemble(spans);
  const spansByKind: Record<string, number> = {};
  const errors: TraceBreakdown['errors'] = [];
  const models = new Set<string>();
  for (const node of tree.nodes) {
    const span = node.span;
    spansByKind[span.kind] = (spansByKind[span.kind] ?? 0) + 1;
    if (span.status === 'error')
      errors.push({ spanId: span.spanId, name: span.name, message: errorMessageOf(span) });
    const m = modelOf(span);
    if (m !== null) models.add(m);
  }
  return {
    traceId: tree.tops[0]!.span.traceId,
    durationMs: Math.max(0, tree.endMs - tree.startMs),
    spanCount: tree.nodes.length,
    spansByKind,
    tokens: traceTokens(tree),
    errorCount: errors.length,
    errors,
    models: [...models],
  };
}

import type { SpanNode, TraceDetail } from '../types';

/** One span in depth-first order, with what the tree and the waterfall need precomputed. */
export interface FlatSpan {
  node: SpanNode;
  depth: number;
  /** Index of the parent in `spans`, -1 for a root or an orphan. */
  parent: number;
  /** Index just past this span's subtree (preorder), so a collapsed subtree is skipped in O(1). */
  end: number;
  startMs: number;
  endMs: number;
  selfMs: number;
  orphan: boolean;
}

export interface TraceModel {
  spans: FlatSpan[];
  byId: Map<string, number>;
  t0: number;
  t1: number;
  errorCount: number;
}

function ms(exact: number | undefined, iso: string | undefined): number {
  if (typeof exact === 'number' && Number.isFinite(exact)) return exact;
  const v = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(v) ? v : 0;
}

/** Time covered by the children (their union, clipped to the parent): what is not self time. */
function childCovered(start: number, end: number, kids: { s: number; e: number }[]): number {
  const iv = kids.map((k) => [Math.max(k.s, start), Math.min(k.e, end)] as const).filter(([a, b]) => b > a);
  iv.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let cs = Number.NEGATIVE_INFINITY;
  let ce = Number.NEGATIVE_INFINITY;
  for (const [a, b] of iv) {
    if (a > ce) {
      if (ce > cs) covered += ce - cs;
      cs = a;
      ce = b;
    } else if (b > ce) ce = b;
  }
  if (ce > cs) covered += ce - cs;
  return covered;
}

/** Flatten root and orphans into preorder, iteratively (a 10,000-deep chain must not overflow). */
export function buildModel(detail: TraceDetail): TraceModel {
  const spans: FlatSpan[] = [];
  const byId = new Map<string, number>();
  const tops = [
    ...(detail.root ? [{ n: detail.root, orphan: false }] : []),
    ...detail.orphans.map((n) => ({ n, orphan: true })),
  ];
  type Frame = { n: SpanNode; depth: number; parent: number; orphan: boolean; exit?: number };
  const stack: Frame[] = [];
  for (let i = tops.length - 1; i >= 0; i--)
    stack.push({ n: tops[i]!.n, depth: 0, parent: -1, orphan: tops[i]!.orphan });
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  let errorCount = 0;
  while (stack.length) {
    const f = stack.pop()!;
    if (f.exit !== undefined) {
      spans[f.exit]!.end = spans.length;
      continue;
    }
    const startMs = ms(f.n.displayStartMs ?? f.n.startMs, f.n.startTime);
    let endMs = ms(f.n.displayEndMs ?? f.n.endMs, f.n.endTime);
    if (endMs < startMs) endMs = startMs + Math.max(0, f.n.durationMs ?? 0);
    const idx = spans.length;
    spans.push({
      node: f.n,
      depth: f.depth,
      parent: f.parent,
      end: idx + 1,
      startMs,
      endMs,
      selfMs: 0,
      orphan: f.orphan,
    });
    byId.set(f.n.spanId, idx);
    if (f.n.status === 'error') errorCount++;
    if (startMs < t0) t0 = startMs;
    if (endMs > t1) t1 = endMs;
    stack.push({ ...f, exit: idx });
    const kids = [...(f.n.children ?? [])].sort(
      (a, b) => ms(a.startMs, a.startTime) - ms(b.startMs, b.startTime),
    );
    for (let i = kids.length - 1; i >= 0; i--)
      stack.push({ n: kids[i]!, depth: f.depth + 1, parent: idx, orphan: f.orphan });
  }
  for (const s of spans) {
    if (typeof s.node.selfTimeMs === 'number') {
      s.selfMs = s.node.selfTimeMs;
      continue;
    }
    const kids = (s.node.children ?? []).map((c) => {
      const k = spans[byId.get(c.spanId)!]!;
      return { s: k.startMs, e: k.endMs };
    });
    s.selfMs = Math.max(0, s.endMs - s.startMs - childCovered(s.startMs, s.endMs, kids));
  }
  if (!Number.isFinite(t0)) {
    t0 = 0;
    t1 = 1;
  }
  if (t1 <= t0) t1 = t0 + 1;
  return { spans, byId, t0, t1, errorCount };
}

/** Indices of the spans shown, skipping the subtrees of collapsed spans. */
export function visibleRows(model: TraceModel, collapsed: Set<string>): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < model.spans.length) {
    const s = model.spans[i]!;
    out.push(i);
    i = collapsed.has(s.node.spanId) ? s.end : i + 1;
  }
  return out;
}

/**
 * The critical path when the server's analysis has none: from the root, the child that finished
 * last, then the one that finished last before that child started, and so on (Jaeger's rule).
 */
export function criticalPath(model: TraceModel): Set<string> {
  const path = new Set<string>();
  if (model.spans.length === 0 || model.spans[0]!.orphan) return path;
  const todo = [0];
  while (todo.length) {
    const i = todo.pop()!;
    const s = model.spans[i]!;
    path.add(s.node.spanId);
    const kids: number[] = [];
    for (let k = i + 1; k < s.end; k = model.spans[k]!.end) kids.push(k);
    kids.sort((a, b) => model.spans[b]!.endMs - model.spans[a]!.endMs);
    let cursor = s.endMs;
    for (const k of kids) {
      const c = model.spans[k]!;
      if (c.endMs <= cursor + 0.001) {
        todo.push(k);
        cursor = c.startMs;
      }
    }
  }
  return path;
}

/** Lower-cased text of a span for search, built once per span on first use. */
export function searchText(cache: Map<number, string>, model: TraceModel, i: number): string {
  let t = cache.get(i);
  if (t === undefined) {
    const n = model.spans[i]!.node;
    const parts = [n.name, n.kind, n.spanId, n.statusMessage ?? ''];
    for (const v of [n.input, n.output, n.attributes]) {
      if (v == null) continue;
      try {
        parts.push(typeof v === 'string' ? v : JSON.stringify(v));
      } catch {}
    }
    t = parts.join('\n').toLowerCase();
    cache.set(i, t);
  }
  return t;
}

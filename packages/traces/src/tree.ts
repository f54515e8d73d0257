/**
 * Trace assembly shared by buildTrace, the timing functions and the analysis: parent links,
 * the root, orphans, clock skew, self time and the critical path.
 */
import { ATTR_ROOT } from './semantics.js';
import type { SpanRecord } from './types.js';

export interface TreeNode {
  span: SpanRecord;
  parent: TreeNode | undefined;
  children: TreeNode[];
  /** Display interval (ms): the recorded one, moved or clamped into the parent's (clock skew). */
  start: number;
  end: number;
  /** Display start minus recorded start. */
  clockSkewMs: number;
  /** The move inherited by the subtree (a clamp is not inherited: it does not move the clock). */
  shift: number;
  selfTimeMs: number;
  /** Time this span itself spent on the critical path (0 when off it). */
  criticalMs: number;
  /** On the critical path of its top (the top always is). */
  critical: boolean;
  depth: number;
}

export interface Tree {
  /** The root (first) and the orphans' tops, each with its subtree. */
  tops: TreeNode[];
  nodes: TreeNode[];
  byId: Map<string, TreeNode>;
  /** Display extent of the whole trace. */
  startMs: number;
  endMs: number;
}

/**
 * Builds the tree of one trace's spans. Duplicate span ids keep the first. The root is the
 * earliest span without a parent, else the lazytrace root whose parent was never received,
 * else the earliest span whose parent is missing; other parentless spans become orphans.
 */
export function assemble(spans: readonly SpanRecord[]): Tree {
  const byId = new Map<string, TreeNode>();
  const nodes: TreeNode[] = [];
  for (const span of spans) {
    if (byId.has(span.spanId)) continue;
    const node: TreeNode = {
      span,
      parent: undefined,
      children: [],
      start: span.startMs,
      end: span.startMs + span.durationMs,
      clockSkewMs: 0,
      shift: 0,
      selfTimeMs: span.durationMs,
      criticalMs: 0,
      critical: false,
      depth: 0,
    };
    byId.set(span.spanId, node);
    nodes.push(node);
  }
  const tops: TreeNode[] = [];
  for (const node of nodes) {
    const parentId = node.span.parentSpanId;
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (parent === undefined || parent === node) tops.push(node);
    else {
      node.parent = parent;
      parent.children.push(node);
    }
  }
  tops.sort(compareTops);
  // Spans in a parent cycle (corrupt input) reach no top: break each cycle at its earliest span.
  let reached = countReachable(tops);
  if (reached < nodes.length) {
    const seen = new Set<TreeNode>();
    for (const top of tops) walk(top, (n) => seen.add(n));
    const stranded = nodes.filter((n) => !seen.has(n)).sort((a, b) => a.span.startMs - b.span.startMs);
    for (const node of stranded) {
      if (seen.has(node)) continue;
      const parent = node.parent!;
      parent.children.splice(parent.children.indexOf(node), 1);
      node.parent = undefined;
      tops.push(node);
      walk(node, (n) => seen.add(n));
    }
    reached = seen.size;
  }
  for (const node of nodes) if (node.children.length > 1) node.children.sort(byStart);

  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const top of tops) {
    place(top);
    walk(top, (n) => {
      if (n.start < startMs) startMs = n.start;
      if (n.end > endMs) endMs = n.end;
    });
  }
  // The critical path is the root's: orphans' times would be counted against the same clock twice.
  if (tops[0] !== undefined) criticalPathOf(tops[0], tops[0].end);
  if (nodes.length === 0) {
    startMs = 0;
    endMs = 0;
  }
  return { tops, nodes, byId, startMs, endMs };
}

function compareTops(a: TreeNode, b: TreeNode): number {
  return rank(a) - rank(b) || a.span.startMs - b.span.startMs;
}

function rank(node: TreeNode): number {
  if (node.span.parentSpanId === undefined) return 0;
  if (node.span.attributes[ATTR_ROOT] === true) return 1;
  return 2;
}

function byStart(a: TreeNode, b: TreeNode): number {
  return a.start - b.start;
}

function countReachable(tops: readonly TreeNode[]): number {
  let n = 0;
  for (const top of tops) walk(top, () => n++);
  return n;
}

/** Depth-first, iterative (a 10,000-deep chain must not overflow the stack). */
export function walk(top: TreeNode, visit: (node: TreeNode) => void): void {
  const stack: TreeNode[] = [top];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
}

/**
 * Display times, top-down. Clocks of two machines disagree, so a child may start before its
 * parent: it is clamped to the parent's start when it overlaps the parent (drawn shorter), and
 * moved to the parent's start with its whole subtree when it lies entirely before the parent
 * (drawn at full length). Recorded times and durations never change. Then self time: the display
 * duration minus the union of the children's display intervals clipped to the span, so
 * overlapping parallel children count once.
 */
function place(top: TreeNode): void {
  top.depth = 0;
  walk(top, (node) => {
    const parent = node.parent;
    if (parent === undefined) return;
    node.depth = parent.depth + 1;
    let shift = parent.shift;
    let start = node.span.startMs + shift;
    let end = start + node.span.durationMs;
    if (start < parent.start) {
      if (end > parent.start) start = parent.start;
      else {
        shift += parent.start - start;
        start = parent.start;
        end = start + node.span.durationMs;
      }
    }
    node.shift = shift;
    node.start = start;
    node.end = end;
    node.clockSkewMs = start - node.span.startMs;
  });
  walk(top, (node) => {
    node.selfTimeMs = Math.max(0, node.end - node.start - coveredByChildren(node));
  });
}

/** Length of the union of the children's intervals inside the node's interval. */
function coveredByChildren(node: TreeNode): number {
  const kids = node.children;
  if (kids.length === 0) return 0;
  // Children are sorted by display start.
  let covered = 0;
  let curStart = Number.NaN;
  let curEnd = Number.NaN;
  for (const kid of kids) {
    const s = Math.max(kid.start, node.start);
    const e = Math.min(kid.end, node.end);
    if (e <= s) continue;
    if (Number.isNaN(curStart) || s > curEnd) {
      if (!Number.isNaN(curStart)) covered += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else if (e > curEnd) curEnd = e;
  }
  if (!Number.isNaN(curStart)) covered += curEnd - curStart;
  return covered;
}

/**
 * The critical path (the chain of work that decided when the span ended), walking back from its
 * end: the child that finished last before the cursor is on the path, then the one that finished
 * last before that child started, and so on; the gaps between them are the span's own time.
 * Each span's share of the path lands in criticalMs. Iterative over an explicit stack.
 */
function criticalPathOf(top: TreeNode, until: number): void {
  const stack: { node: TreeNode; until: number }[] = [{ node: top, until }];
  while (stack.length > 0) {
    const { node, until: limit } = stack.pop()!;
    node.critical = true;
    let cursor = Math.min(node.end, limit);
    // Candidates, latest end first.
    const kids = [...node.children].sort((a, b) => b.end - a.end || b.start - a.start);
    let i = 0;
    while (cursor > node.start) {
      // The child with the latest (clipped) end among those that started before the cursor.
      let pick: TreeNode | undefined;
      for (; i < kids.length; i++) {
        const kid = kids[i]!;
        if (kid.start < cursor) {
          pick = kid;
          i++;
          break;
        }
      }
      if (pick === undefined) break;
      const kidEnd = Math.min(pick.end, cursor);
      node.criticalMs += cursor - kidEnd;
      stack.push({ node: pick, until: kidEnd });
      cursor = Math.max(pick.start, node.start);
    }
    node.criticalMs += Math.max(0, cursor - node.start);
  }
}

/** Span ids of the critical path from `top`, in time order. */
export function criticalPathIds(top: TreeNode): string[] {
  const on: TreeNode[] = [];
  const stack: TreeNode[] = [top];
  while (stack.length > 0) {
    const node = stack.pop()!;
    on.push(node);
    for (const kid of node.children) if (kid.critical) stack.push(kid);
  }
  return on.sort((a, b) => a.start - b.start || a.depth - b.depth).map((n) => n.span.spanId);
}

/** Self time and critical path of one trace, for callers that hold spans rather than a built tree. */
import { assemble, criticalPathIds } from './tree.js';
import type { SpanRecord } from './types.js';

/**
 * Self time per span id (ms): the span's duration minus the union of its children's intervals
 * inside it (overlapping parallel children are subtracted once; a child whose clock runs ahead is
 * shifted into its parent first).
 */
export function selfTimes(spans: readonly SpanRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const node of assemble(spans).nodes) out.set(node.span.spanId, node.selfTimeMs);
  return out;
}

/**
 * Span ids on the critical path of the trace's root, in time order: the chain of work that
 * decided when the root ended (for each span, the child that finished last, then the one that
 * finished last before that one started, and so on). Empty for no spans.
 */
export function criticalPath(spans: readonly SpanRecord[]): string[] {
  const tree = assemble(spans);
  const root = tree.tops[0];
  return root === undefined ? [] : criticalPathIds(root);
}

import {
  type BuiltTrace,
  buildTrace,
  type DetailLevel,
  renderTraceTree,
  type SpanRecord,
} from '@lazytrace/traces';
import type { Output } from './io.js';

/** A trace tree with @lazytrace/traces' renderer (the console backend's), sized to the terminal. */
export function renderBuilt(out: Output, built: BuiltTrace, level: DetailLevel): string {
  const stdout = out.io.stdout;
  return renderTraceTree(built, {
    color: out.colors,
    level,
    // Lines are cut to the terminal's width; piped output keeps whole lines.
    ...(stdout.isTTY === true && stdout.columns ? { width: stdout.columns } : {}),
  }).replace(/\n+$/, '');
}

/**
 * One trace's spans as a tree, as the console backend prints it: the line's details that come
 * from attributes (documents, stream chunks and time to first chunk, branch, iterations) show at
 * every level but minimal (names, timings, status); the level decides the input/output previews and the attribute/event lines.
 */
export function renderSpans(out: Output, spans: readonly SpanRecord[], level: DetailLevel): string {
  return renderBuilt(out, buildTrace(spans, level === 'minimal' ? 'minimal' : 'debug'), level);
}

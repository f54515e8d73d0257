import { type BuiltTrace, type DetailLevel, renderTraceTree } from '@lazytrace/traces';
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

import type { BuiltTrace, DetailLevel, SpanRecord } from './types.js';

export interface RenderOptions {
  color?: boolean;
  /** Default 'standard' (IO previews); 'minimal' hides IO. */
  level?: DetailLevel;
  /** Truncate lines to this many columns. */
  width?: number;
  /** Characters of input/output shown per span. Default 80. */
  contentChars?: number;
}

export function renderTraceTree(trace: BuiltTrace | readonly SpanRecord[], opts: RenderOptions = {}): string {
  void trace;
  void opts;
  throw new Error('@lazytrace/traces: not implemented yet');
}

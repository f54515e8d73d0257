/**
 * The terminal tree renderer (the console backend and `lazytrace show` print with it): one line
 * per span with name, kind, duration, status, model, tokens, stream and flow details, and short
 * input/output; `detailed` adds attribute lines, `debug` events too.
 */
import { buildTrace, groupByTrace } from './build.js';
import {
  ATTR_DOCUMENT_COUNT,
  ATTR_IFS_BRANCH,
  ATTR_INPUT,
  ATTR_LOOP_ITERATIONS,
  ATTR_OUTPUT,
  ATTR_STREAM,
  ATTR_STREAM_CANCELLED,
  ATTR_STREAM_CHUNKS,
  ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS,
  ATTR_SWITCH_CASE,
} from './semantics.js';
import type { BuiltTrace, DetailLevel, SpanNode, SpanRecord } from './types.js';

export interface RenderOptions {
  /** ANSI colours. Default false (callers decide: a TTY and no NO_COLOR). */
  color?: boolean;
  /** `minimal` hides input/output; `standard` (default) shows them short; `detailed` adds attributes; `debug` events. */
  level?: DetailLevel;
  /** Cut lines to this many columns. Default: no limit. */
  width?: number;
  /** Characters of input/output shown per span. Default 80. */
  contentChars?: number;
}

const STYLE = {
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  cyan: [36, 39],
  bold: [1, 22],
  yellow: [33, 39],
} as const;
type Style = keyof typeof STYLE;

/** Attributes already shown on the span's line, left out of the `detailed` attribute lines. */
const SHOWN = new Set([
  ATTR_INPUT,
  ATTR_OUTPUT,
  'lazytrace.kind',
  ATTR_DOCUMENT_COUNT,
  ATTR_STREAM,
  ATTR_STREAM_CHUNKS,
  ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS,
  ATTR_STREAM_CANCELLED,
  ATTR_IFS_BRANCH,
  ATTR_SWITCH_CASE,
  ATTR_LOOP_ITERATIONS,
]);

/**
 * Renders traces as indented trees. Given spans (of one or several traces), every detail is
 * available; given a BuiltTrace, the line shows what its level kept (attribute-based details such
 * as stream chunks need `detailed`). Each trace ends with a line end; traces are separated by an
 * empty line.
 */
export function renderTraceTree(trace: BuiltTrace | readonly SpanRecord[], opts: RenderOptions = {}): string {
  const r = new Renderer(opts);
  if (Array.isArray(trace)) {
    const out: string[] = [];
    for (const spans of groupByTrace(trace as readonly SpanRecord[]).values())
      out.push(r.trace(buildTrace(spans, 'debug')));
    return out.join('\n');
  }
  return r.trace(trace as BuiltTrace);
}

class Renderer {
  private readonly color: boolean;
  private readonly level: DetailLevel;
  private readonly width: number | undefined;
  private readonly contentChars: number;

  constructor(opts: RenderOptions) {
    this.color = opts.color === true;
    this.level = opts.level ?? 'standard';
    this.width = opts.width !== undefined && opts.width > 0 ? Math.floor(opts.width) : undefined;
    this.contentChars = Math.max(1, opts.contentChars ?? 80);
  }

  trace(built: BuiltTrace): string {
    const lines: string[] = [this.header(built)];
    this.tree(built.root, lines);
    if (built.orphans.length > 0) {
      lines.push(
        this.paint('dim', `── ${built.orphans.length} orphan span tree(s): their parent was not received`),
      );
      for (const orphan of built.orphans) this.tree(orphan, lines);
    }
    const cut = this.width === undefined ? lines : lines.map((l) => cutLine(l, this.width!, this.color));
    return `${cut.join('\n')}\n`;
  }

  private header(built: BuiltTrace): string {
    const t = built.trace;
    const parts = [`trace ${t.traceId}`];
    if (t.sessionId !== null) parts.push(`session=${t.sessionId}`);
    if (t.userId !== null) parts.push(`user=${t.userId}`);
    if (t.tags.length > 0) parts.push(`tags=${t.tags.join(',')}`);
    return this.paint('dim', `── ${parts.join('  ')}`);
  }

  /** The top line, then the children, iteratively (deep traces must not overflow the stack). */
  private tree(top: SpanNode, lines: string[]): void {
    const stack: { node: SpanNode; prefix: string; branch: string; childPrefix: string }[] = [
      { node: top, prefix: '', branch: '', childPrefix: '' },
    ];
    while (stack.length > 0) {
      const { node, prefix, branch, childPrefix } = stack.pop()!;
      lines.push(`${prefix}${branch}${this.line(node)}`);
      const detailPrefix = `${prefix}${childPrefix}${node.children.length > 0 ? '│  ' : '   '}`;
      this.details(node, detailPrefix, lines);
      const kids = node.children;
      for (let i = kids.length - 1; i >= 0; i--) {
        const last = i === kids.length - 1;
        stack.push({
          node: kids[i]!,
          prefix: `${prefix}${childPrefix}`,
          branch: last ? '└─ ' : '├─ ',
          childPrefix: last ? '   ' : '│  ',
        });
      }
    }
  }

  private details(node: SpanNode, prefix: string, lines: string[]): void {
    if (this.level === 'detailed' || this.level === 'debug') {
      for (const [key, value] of Object.entries(node.attributes)) {
        if (SHOWN.has(key)) continue;
        lines.push(this.paint('dim', `${prefix}${key}=${this.short(stringify(value))}`));
      }
    }
    if (this.level === 'debug') {
      for (const event of node.events) {
        const at = formatDuration(Math.max(0, event.timeMs - node.startMs));
        const attrs = Object.entries(event.attributes)
          .map(([k, v]) => `${k}=${this.short(stringify(v))}`)
          .join(' ');
        lines.push(
          this.paint('dim', `${prefix}• ${event.name} +${at}${attrs.length > 0 ? ` ${attrs}` : ''}`),
        );
      }
    }
  }

  private line(node: SpanNode): string {
    const a = node.attributes;
    const parts = [
      this.paint('bold', node.name),
      this.paint('cyan', node.kind),
      formatDuration(node.durationMs),
    ];
    if (node.status === 'error') parts.push(this.paint('red', `✗ ${node.statusMessage ?? 'error'}`));
    else parts.push(this.paint('green', '✓'));
    if (node.model !== null) parts.push(this.paint('yellow', node.model));
    if (node.tokens !== null) parts.push(`tokens ${node.tokens.input}→${node.tokens.output}`);
    if (typeof a[ATTR_DOCUMENT_COUNT] === 'number') parts.push(`${a[ATTR_DOCUMENT_COUNT]} docs`);
    if (a[ATTR_STREAM] === true) {
      const ttfc = a[ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS];
      parts.push(
        `stream ${String(a[ATTR_STREAM_CHUNKS])} chunks${typeof ttfc === 'number' ? `, first after ${formatDuration(ttfc)}` : ''}`,
      );
      if (a[ATTR_STREAM_CANCELLED] === true) parts.push('cancelled');
    }
    for (const [key, label] of [
      [ATTR_IFS_BRANCH, 'branch'],
      [ATTR_SWITCH_CASE, 'case'],
      [ATTR_LOOP_ITERATIONS, 'iterations'],
    ] as const) {
      if (a[key] !== undefined) parts.push(`${label}=${String(a[key])}`);
    }
    if (node.clockSkewMs > 0)
      parts.push(this.paint('yellow', `clock skew ${formatDuration(node.clockSkewMs)}`));
    if (this.level !== 'minimal') {
      if (node.input !== null) parts.push(this.paint('dim', `in: ${this.short(node.input)}`));
      if (node.output !== null) parts.push(this.paint('dim', `out: ${this.short(node.output)}`));
    }
    return parts.join('  ');
  }

  private short(text: string): string {
    const flat = text.replace(/\s+/g, ' ');
    return flat.length > this.contentChars ? `${flat.slice(0, this.contentChars - 1)}…` : flat;
  }

  private paint(style: Style, text: string): string {
    if (!this.color) return text;
    const [open, close] = STYLE[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Cuts a line to `width` visible columns, skipping ANSI escapes when counting. */
function cutLine(line: string, width: number, color: boolean): string {
  let visible = 0;
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) === 0x1b) {
      const m = line.indexOf('m', i);
      if (m !== -1) {
        i = m;
        continue;
      }
    }
    visible++;
    if (visible === width && i < line.length - 1) {
      return `${line.slice(0, i)}…${color ? '\u001b[0m' : ''}`;
    }
  }
  return line;
}

export function formatDuration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

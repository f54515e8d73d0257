import { SpanStatusCode } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface ConsoleBackendOptions {
  /** Where the trees go. Default `process.stdout`. */
  readonly stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Default: on when the stream is a TTY and `NO_COLOR` is not set. */
  readonly colors?: boolean;
  /** Characters of input/output shown per span. Default 80. */
  readonly contentChars?: number;
}

/** Spans kept while waiting for their root to end; beyond this the oldest traces are dropped. */
const MAX_BUFFERED_SPANS = 10_000;

const STYLE = {
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  cyan: [36, 39],
  bold: [1, 22],
  yellow: [33, 39],
} as const;
type Style = keyof typeof STYLE;

/**
 * Prints each finished trace as an indented tree: names, kinds, durations, status and short
 * input/output. Spans are held until the request's root span ends (children end first), then
 * the whole tree is printed at once.
 */
export class ConsoleTreeExporter implements SpanExporter {
  private readonly pending = new Map<string, ReadableSpan[]>();
  private buffered = 0;
  private readonly ready: string[] = [];
  private readonly stream: NonNullable<ConsoleBackendOptions['stream']>;
  private readonly colors: boolean;
  private readonly contentChars: number;

  constructor(options: ConsoleBackendOptions = {}) {
    this.stream = options.stream ?? process.stdout;
    this.colors = options.colors ?? (Boolean(this.stream.isTTY) && process.env.NO_COLOR === undefined);
    this.contentChars = options.contentChars ?? 80;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      for (const span of spans) this.add(span);
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    this.drain();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.drain();
    // Print what never got its root (a request still running at shutdown), rather than lose it.
    for (const spans of this.pending.values()) this.write(this.render(spans));
    this.pending.clear();
    this.buffered = 0;
    return Promise.resolve();
  }

  private add(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    let spans = this.pending.get(traceId);
    if (spans === undefined) {
      spans = [];
      this.pending.set(traceId, spans);
    }
    spans.push(span);
    this.buffered++;
    if (isRequestRoot(span)) {
      this.pending.delete(traceId);
      this.buffered -= spans.length;
      this.ready.push(this.render(spans, span));
      // Printed just after the current turn, so the tree follows what the application itself
      // writes as the request finishes (its last streamed token, say) instead of cutting into it.
      if (this.ready.length === 1) setImmediate(() => this.drain());
    }
    while (this.buffered > MAX_BUFFERED_SPANS) {
      const [oldest, dropped] = this.pending.entries().next().value as [string, ReadableSpan[]];
      this.pending.delete(oldest);
      this.buffered -= dropped.length;
    }
  }

  private drain(): void {
    const trees = this.ready.splice(0);
    for (const tree of trees) this.write(tree);
  }

  private write(text: string): void {
    try {
      this.stream.write(text);
    } catch {
      // A closed stdout must not break the application.
    }
  }

  private render(spans: readonly ReadableSpan[], root?: ReadableSpan): string {
    const children = new Map<string | undefined, ReadableSpan[]>();
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    for (const span of spans) {
      const parent = span.parentSpanContext?.spanId;
      const key = parent !== undefined && ids.has(parent) ? parent : undefined;
      children.set(key, [...(children.get(key) ?? []), span]);
    }
    for (const list of children.values())
      list.sort((a, b) => hrTimeToMilliseconds(a.startTime) - hrTimeToMilliseconds(b.startTime));
    const tops = root !== undefined ? [root] : (children.get(undefined) ?? []);
    const lines: string[] = [];
    for (const top of tops) {
      lines.push(this.header(top), this.line(top));
      this.walk(top, children, '', lines);
    }
    return `${lines.join('\n')}\n\n`;
  }

  private header(root: ReadableSpan): string {
    const a = root.attributes;
    const parts = [`trace ${root.spanContext().traceId}`];
    if (a['session.id'] !== undefined) parts.push(`session=${String(a['session.id'])}`);
    if (a['user.id'] !== undefined) parts.push(`user=${String(a['user.id'])}`);
    const tags = a['lazytrace.tags'];
    if (Array.isArray(tags) && tags.length > 0) parts.push(`tags=${tags.join(',')}`);
    return this.paint('dim', `── ${parts.join('  ')}`);
  }

  private walk(
    span: ReadableSpan,
    children: ReadonlyMap<string | undefined, ReadableSpan[]>,
    prefix: string,
    lines: string[],
  ): void {
    const kids = children.get(span.spanContext().spanId) ?? [];
    kids.forEach((kid, i) => {
      const last = i === kids.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${this.line(kid)}`);
      this.walk(kid, children, `${prefix}${last ? '   ' : '│  '}`, lines);
    });
  }

  private line(span: ReadableSpan): string {
    const a = span.attributes;
    const kind = String(a['lazytrace.kind'] ?? 'span');
    const ms = hrTimeToMilliseconds(span.duration);
    const parts = [this.paint('bold', span.name), this.paint('cyan', kind), formatDuration(ms)];
    if (span.status.code === SpanStatusCode.ERROR) {
      parts.push(this.paint('red', `✗ ${span.status.message ?? 'error'}`));
    } else {
      parts.push(this.paint('green', '✓'));
    }
    const model = a['gen_ai.response.model'] ?? a['gen_ai.request.model'];
    if (model !== undefined) parts.push(this.paint('yellow', String(model)));
    const input = a['gen_ai.usage.input_tokens'];
    const output = a['gen_ai.usage.output_tokens'];
    if (input !== undefined || output !== undefined) parts.push(`tokens ${input ?? '?'}→${output ?? '?'}`);
    if (typeof a['lazytrace.documents.count'] === 'number')
      parts.push(`${a['lazytrace.documents.count']} docs`);
    if (a['lazytrace.stream'] === true) {
      const ttfc = a['lazytrace.stream.time_to_first_chunk_ms'];
      parts.push(
        `stream ${a['lazytrace.stream.chunks']} chunks${typeof ttfc === 'number' ? `, first after ${formatDuration(ttfc)}` : ''}`,
      );
      if (a['lazytrace.stream.cancelled'] === true) parts.push('cancelled');
    }
    for (const [key, label] of [
      ['lazytrace.ifs.branch', 'branch'],
      ['lazytrace.switch.case', 'case'],
      ['lazytrace.loop.iterations', 'iterations'],
    ] as const) {
      if (a[key] !== undefined) parts.push(`${label}=${String(a[key])}`);
    }
    if (typeof a['lazytrace.input'] === 'string')
      parts.push(this.paint('dim', `in: ${this.short(a['lazytrace.input'])}`));
    if (typeof a['lazytrace.output'] === 'string')
      parts.push(this.paint('dim', `out: ${this.short(a['lazytrace.output'])}`));
    return parts.join('  ');
  }

  private short(text: string): string {
    const flat = text.replace(/\s+/g, ' ');
    return flat.length > this.contentChars ? `${flat.slice(0, this.contentChars - 1)}…` : flat;
  }

  private paint(style: Style, text: string): string {
    if (!this.colors) return text;
    const [open, close] = STYLE[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }
}

/** The outermost lazytrace span of a request, or a span without a parent. */
function isRequestRoot(span: ReadableSpan): boolean {
  return span.attributes['lazytrace.root'] === true || span.parentSpanContext === undefined;
}

function formatDuration(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms.toFixed(1)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

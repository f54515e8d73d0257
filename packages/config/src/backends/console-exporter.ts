import { attributes } from '@lazytrace/core';
import { fromReadableSpan, renderTraceTree } from '@lazytrace/traces';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Env } from '../env.js';

export interface ConsoleBackendOptions {
  /** Where the trees go. Default `process.stdout`. */
  readonly stream?: { write(text: string): unknown; isTTY?: boolean };
  /** Default: on when the stream is a TTY and `NO_COLOR` is not set (in the environment given to `initTracing`). */
  readonly colors?: boolean;
  /** Characters of input/output shown per span. Default 80. */
  readonly contentChars?: number;
}

/** Spans kept while waiting for their root to end; beyond this the oldest traces are dropped. */
const MAX_BUFFERED_SPANS = 10_000;

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

  /** `env`: where `NO_COLOR` is read (`initTracing` passes the environment it was given). */
  constructor(options: ConsoleBackendOptions = {}, env: Env = process.env) {
    this.stream = options.stream ?? process.stdout;
    // no-color.org: NO_COLOR set to anything but the empty string turns colours off.
    this.colors = options.colors ?? (Boolean(this.stream.isTTY) && (env.NO_COLOR ?? '') === '');
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
      this.ready.push(this.render(spans));
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

  private render(spans: readonly ReadableSpan[]): string {
    // The tree itself is @lazytrace/traces' renderer, shared with `lazytrace show`.
    const tree = renderTraceTree(spans.map(fromReadableSpan), {
      color: this.colors,
      contentChars: this.contentChars,
    });
    return `${tree}\n`;
  }
}

/** The outermost lazytrace span of a request, or a span without a parent. */
function isRequestRoot(span: ReadableSpan): boolean {
  return span.attributes[attributes.ATTR_ROOT] === true || span.parentSpanContext === undefined;
}

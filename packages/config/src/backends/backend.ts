import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Env } from '../env.js';

/** A destination for spans, built by `initTracing` from a name (`otlp`, `file` …) or given as is. */
export interface Backend {
  readonly name: string;
  readonly exporter: SpanExporter;
  /**
   * `simple`: every span is exported as it ends (the console prints a trace as soon as it is
   * done). `batch`: batched, unless `exportMode: 'immediate'`. Default `batch`.
   */
  readonly processing?: 'simple' | 'batch';
  /**
   * Longest a batch waits before it is sent (batch processing). Default OTel's 5000 ms; the
   * `otlp` and `langfuse` backends take `OTEL_BSP_SCHEDULE_DELAY` from the environment given to
   * `initTracing`; the file backend uses 200 ms, so a trace shows up while you look.
   */
  readonly scheduledDelayMillis?: number;
  /**
   * What `describeTracing()` shows about this backend. Never secrets; still, URLs are shown without
   * credentials and values under secret-looking keys as `REDACTED`.
   */
  readonly description?: Readonly<Record<string, unknown>>;
}

/** What a backend factory gets: the environment and the options given to `initTracing`. */
export interface BackendContext {
  readonly env: Env;
  /** The options object of this backend from `initTracing` (`options.otlp`, `options.langfuse` …). */
  readonly options: unknown;
  readonly serviceName: string | undefined;
}

export type BackendFactory = (context: BackendContext) => Backend;

const factories = new Map<string, BackendFactory>();

/**
 * Makes a backend available by name to `initTracing({ backends: [name] })` and `LAZYTRACE_BACKENDS`.
 * This is how `@lazytrace/langfuse` plugs in as `langfuse`.
 */
export function registerBackend(name: string, factory: BackendFactory): void {
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(name)) {
    throw new TypeError(
      `registerBackend: "name" must be a lower-case identifier, got ${JSON.stringify(name)}`,
    );
  }
  if (typeof factory !== 'function') {
    throw new TypeError(`registerBackend: "factory" must be a function, got ${typeof factory}`);
  }
  factories.set(name, factory);
}

export function backendFactory(name: string): BackendFactory | undefined {
  return factories.get(name);
}

export function backendNames(): string[] {
  return [...factories.keys()];
}

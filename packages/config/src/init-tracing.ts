import {
  configureTracing,
  logWarning,
  type MaskFunction,
  setTraceDefaults,
  type TraceContext,
  validateTraceContext,
} from '@lazytrace/core';
import {
  context,
  createContextKey,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { type Backend, backendFactory, backendNames } from './backends/backend.js';
import type { ConsoleBackendOptions } from './backends/console-exporter.js';
import type { OtlpBackendOptions } from './backends/otlp.js';
import { ConfigError, ENV, type Env, envBoolean, envInteger, envList, envRate, envString } from './env.js';
import { LazytraceSampler } from './sampler.js';
import {
  BoundedProcessor,
  CountingExporter,
  CountingProcessor,
  StatsRecorder,
  type TracingStats,
} from './stats.js';

/** Spans one backend may hold (queued or being sent) before new ones are dropped and counted. */
const MAX_PENDING_SPANS = 2048;
const MAX_EXPORT_BATCH = 512;

export interface InitTracingOptions {
  /** Master switch. Default `LAZYTRACE_ENABLED`, else on. */
  readonly enabled?: boolean;
  /**
   * Backend names (`langfuse`, `otlp`, `file`, `console`, `none`) or backend objects. Default
   * `LAZYTRACE_BACKENDS`, else langfuse when its keys are set, otlp when an OTLP endpoint is set,
   * else file.
   */
  readonly backends?: readonly (string | Backend)[];
  /** `service.name` of the resource. Default `OTEL_SERVICE_NAME`. */
  readonly serviceName?: string;
  /** Share of traces kept, 0..1, whole traces. Default `LAZYTRACE_SAMPLE_RATE`, else 1. */
  readonly sampleRate?: number;
  /** `batched` (default) or `immediate`: every span exported as it ends (serverless). */
  readonly exportMode?: 'batched' | 'immediate';
  /** Record inputs and outputs. Default `LAZYTRACE_CAPTURE_CONTENT`, else on. */
  readonly captureContent?: boolean;
  /** Capture budget per value. Default `LAZYTRACE_MAX_CONTENT_CHARS`, else 4096. */
  readonly maxContentChars?: number;
  readonly mask?: MaskFunction;
  readonly redactKeys?: readonly (string | RegExp)[];
  readonly streamIdleTimeoutMs?: number;
  /** Process-wide trace defaults under every `setTrace` (tags, metadata, a user id …). */
  readonly defaults?: TraceContext;
  readonly otlp?: OtlpBackendOptions;
  readonly file?: { readonly path?: string };
  readonly console?: ConsoleBackendOptions;
  /** Options of the `langfuse` backend (see `@lazytrace/langfuse`). */
  readonly langfuse?: Readonly<Record<string, unknown>>;
  /** Longest a flush at exit or shutdown may take. Default `LAZYTRACE_FLUSH_TIMEOUT_MS`, else 5000. */
  readonly flushTimeoutMs?: number;
  /** Flush when the process exits naturally (`beforeExit`). Default true. */
  readonly flushOnExit?: boolean;
  /** Flush and shut down on SIGINT/SIGTERM, then let the signal do what it would have done. Default false. */
  readonly handleSignals?: boolean;
  /** Variables to read instead of `process.env` (tests, embedding). */
  readonly env?: Env;
}

export interface TracingDescription {
  readonly enabled: boolean;
  readonly provider: 'global' | 'isolated' | 'none';
  readonly serviceName: string | undefined;
  readonly sampleRate: number;
  readonly exportMode: 'batched' | 'immediate';
  readonly captureContent: boolean;
  readonly maxContentChars: number;
  readonly flushTimeoutMs: number;
  readonly backends: readonly Readonly<Record<string, unknown>>[];
}

export interface TracingHandle {
  /** lazytrace's tracer provider (undefined when tracing is disabled). */
  readonly provider: TracerProvider | undefined;
  /** Exports everything that has ended, within the flush timeout. Never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the backends and unregisters what `initTracing` registered. Never rejects. */
  shutdown(): Promise<void>;
  describe(): TracingDescription;
  stats(): TracingStats;
}

const KNOWN_OPTIONS = new Set([
  'enabled',
  'backends',
  'serviceName',
  'sampleRate',
  'exportMode',
  'captureContent',
  'maxContentChars',
  'mask',
  'redactKeys',
  'streamIdleTimeoutMs',
  'defaults',
  'otlp',
  'file',
  'console',
  'langfuse',
  'flushTimeoutMs',
  'flushOnExit',
  'handleSignals',
  'env',
]);

let current: ActiveTracing | undefined;

/**
 * Sets lazytrace up: a tracer provider with the chosen backends, sampling, a context manager
 * when none is active, flush at exit. Idempotent: a second call returns the running handle.
 * When the application already registered a global tracer provider, lazytrace does not replace
 * it: it runs on its own isolated provider (its spans still nest under the application's active
 * spans) and says so once. A misconfiguration throws a `LazytraceConfigError` naming the
 * option or variable, and leaves everything as it was.
 */
export function initTracing(options: InitTracingOptions = {}): TracingHandle {
  if (current !== undefined) return current.handle;
  const active = new ActiveTracing(options);
  current = active;
  return active.handle;
}

/** Flushes and shuts down what `initTracing` set up. Safe to call when nothing is set up. */
export async function shutdownTracing(): Promise<void> {
  await current?.handle.shutdown();
}

/** The effective settings (no secrets), or `undefined` before `initTracing`. */
export function describeTracing(): TracingDescription | undefined {
  return current?.handle.describe();
}

/** Spans ended, exported and dropped since `initTracing`. */
export function getTracingStats(): TracingStats {
  return current?.handle.stats() ?? { ended: 0, exported: 0, dropped: 0, failedExports: 0 };
}

class ActiveTracing {
  readonly handle: TracingHandle;
  private readonly stats = new StatsRecorder();
  private readonly provider: BasicTracerProvider | undefined;
  private readonly exporters: readonly SpanExporter[];
  private readonly description: TracingDescription;
  private readonly flushTimeoutMs: number;
  private registeredGlobal = false;
  private installedContextManager = false;
  private flushedAt = 0;
  private flushing: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly onBeforeExit = () => this.flushAtExit();
  private readonly onSignal = (signal: NodeJS.Signals) => this.shutdownOnSignal(signal);
  private listening = { exit: false, signals: false };

  constructor(options: InitTracingOptions) {
    checkOptions(options);
    const env = options.env ?? process.env;
    // Everything is resolved and built before anything global changes: a bad setting throws
    // and leaves the process as it was.
    const enabled = options.enabled ?? envBoolean(env, ENV.enabled) ?? true;
    const captureContent = options.captureContent ?? envBoolean(env, ENV.captureContent) ?? true;
    const maxContentChars = options.maxContentChars ?? envInteger(env, ENV.maxContentChars, 256) ?? 4_096;
    const sampleRate = options.sampleRate ?? envRate(env, ENV.sampleRate) ?? 1;
    const exportMode = options.exportMode ?? 'batched';
    this.flushTimeoutMs = options.flushTimeoutMs ?? envInteger(env, ENV.flushTimeoutMs, 1) ?? 5_000;
    const serviceName = options.serviceName ?? envString(env, ENV.serviceName);
    const defaults = validateTraceContext(
      { ...options.defaults, enabled, captureContent },
      'initTracing: defaults',
    );

    const backends = enabled ? resolveBackends(options, env, serviceName, this.flushTimeoutMs) : [];
    let provider: BasicTracerProvider | undefined;
    if (enabled) {
      const processors: SpanProcessor[] = [new CountingProcessor(this.stats)];
      for (const backend of backends) {
        const exporter = new CountingExporter(backend.name, backend.exporter, this.stats);
        const processor =
          backend.processing === 'simple' || exportMode === 'immediate'
            ? new SimpleSpanProcessor(exporter)
            : new BatchSpanProcessor(exporter, {
                maxQueueSize: MAX_PENDING_SPANS + MAX_EXPORT_BATCH,
                maxExportBatchSize: MAX_EXPORT_BATCH,
              });
        processors.push(new BoundedProcessor(processor, exporter, this.stats, MAX_PENDING_SPANS));
      }
      provider = new BasicTracerProvider({
        resource: buildResource(serviceName),
        sampler: new LazytraceSampler(sampleRate),
        spanProcessors: processors,
      });
    }

    // From here on, only registration that cannot fail on bad input.
    configureTracing({
      maxContentChars,
      mask: options.mask,
      redactKeys: options.redactKeys,
      streamIdleTimeoutMs: options.streamIdleTimeoutMs,
    });
    setTraceDefaults(defaults);
    let mode: TracingDescription['provider'] = 'none';
    if (provider !== undefined) {
      if (!hasWorkingContextManager()) {
        context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
        this.installedContextManager = true;
      }
      if (hasGlobalTracerProvider()) {
        mode = 'isolated';
        logWarning(
          'an OpenTelemetry tracer provider is already registered; lazytrace runs on its own isolated provider (its spans still nest under your active spans).',
        );
      } else {
        this.registeredGlobal = trace.setGlobalTracerProvider(provider);
        mode = this.registeredGlobal ? 'global' : 'isolated';
      }
      configureTracing({ tracerProvider: provider });
      if (options.flushOnExit !== false) {
        process.on('beforeExit', this.onBeforeExit);
        this.listening.exit = true;
      }
      if (options.handleSignals === true) {
        process.once('SIGINT', this.onSignal);
        process.once('SIGTERM', this.onSignal);
        this.listening.signals = true;
      }
    }
    this.provider = provider;
    this.exporters = backends.map((b) => b.exporter);
    this.description = Object.freeze({
      enabled,
      provider: mode,
      serviceName,
      sampleRate,
      exportMode,
      captureContent,
      maxContentChars,
      flushTimeoutMs: this.flushTimeoutMs,
      backends: backends.map((b) => Object.freeze({ name: b.name, ...b.description })),
    });
    this.handle = Object.freeze({
      provider,
      forceFlush: () => this.forceFlush(),
      shutdown: () => this.shutdown(),
      describe: () => this.description,
      stats: () => this.stats.snapshot(),
    });
  }

  forceFlush(): Promise<void> {
    const provider = this.provider;
    if (provider === undefined) return Promise.resolve();
    this.flushedAt = this.stats.ended;
    return this.withDeadline(provider.forceFlush(), 'flush');
  }

  shutdown(): Promise<void> {
    if (this.stopped !== undefined) return this.stopped;
    this.stopListening();
    if (current === this) current = undefined;
    const provider = this.provider;
    this.stopped = (async () => {
      if (provider !== undefined) await this.withDeadline(provider.shutdown(), 'shutdown');
      // Past the deadline a batch may still be retrying against a failing backend: stop the
      // exporters themselves, so no retry outlives shutdown and keeps the process alive.
      for (const exporter of this.exporters)
        void Promise.resolve()
          .then(() => exporter.shutdown())
          .catch(() => undefined);
      configureTracing({ tracerProvider: null });
      if (this.registeredGlobal) trace.disable();
      if (this.installedContextManager) context.disable();
    })();
    return this.stopped;
  }

  /** `beforeExit` fires again after each flush; flushing only when something ended since avoids a loop. */
  private flushAtExit(): void {
    if (this.flushing !== undefined || this.stats.ended === this.flushedAt) return;
    this.flushing = this.forceFlush().finally(() => {
      this.flushing = undefined;
    });
  }

  private shutdownOnSignal(signal: NodeJS.Signals): void {
    void this.shutdown().finally(() => {
      // With our listener gone, the signal does what it would have done without lazytrace.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }

  private stopListening(): void {
    if (this.listening.exit) process.off('beforeExit', this.onBeforeExit);
    if (this.listening.signals) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    }
    this.listening = { exit: false, signals: false };
  }

  /** Resolves when `work` settles or the flush timeout passes, whichever is first. Never rejects. */
  private withDeadline(work: Promise<void>, what: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logWarning(
          `${what} did not finish within ${this.flushTimeoutMs} ms; spans not yet exported may be lost.`,
        );
        resolve();
      }, this.flushTimeoutMs);
      timer.unref();
      work.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          logWarning(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
          resolve();
        },
      );
    });
  }
}

function checkOptions(options: InitTracingOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `initTracing: expected an options object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(`initTracing: unknown option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')})`);
    }
  }
  const o = options as Record<string, unknown>;
  for (const key of ['enabled', 'captureContent', 'flushOnExit', 'handleSignals']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new TypeError(`initTracing: "${key}" must be a boolean, got ${typeof o[key]}`);
    }
  }
  if (o.serviceName !== undefined && (typeof o.serviceName !== 'string' || o.serviceName === '')) {
    throw new TypeError('initTracing: "serviceName" must be a non-empty string');
  }
  if (
    o.sampleRate !== undefined &&
    !(typeof o.sampleRate === 'number' && o.sampleRate >= 0 && o.sampleRate <= 1)
  ) {
    throw new TypeError(
      `initTracing: "sampleRate" must be a number from 0 to 1, got ${String(o.sampleRate)}`,
    );
  }
  if (o.exportMode !== undefined && o.exportMode !== 'batched' && o.exportMode !== 'immediate') {
    throw new TypeError(
      `initTracing: "exportMode" must be 'batched' or 'immediate', got ${String(o.exportMode)}`,
    );
  }
  for (const key of ['maxContentChars', 'flushTimeoutMs']) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v > 0)) {
      throw new TypeError(`initTracing: "${key}" must be a positive integer, got ${String(v)}`);
    }
  }
  if (o.backends !== undefined && !Array.isArray(o.backends)) {
    throw new TypeError('initTracing: "backends" must be an array of backend names or backend objects');
  }
}

function resolveBackends(
  options: InitTracingOptions,
  env: Env,
  serviceName: string | undefined,
  flushTimeoutMs: number,
): Backend[] {
  const requested = options.backends ?? envList(env, ENV.backends) ?? defaultBackendNames(env);
  const source = options.backends !== undefined ? 'initTracing: "backends"' : ENV.backends;
  const seen = new Set<string>();
  const backends: Backend[] = [];
  for (const entry of requested) {
    if (typeof entry !== 'string') {
      if (entry === null || typeof entry !== 'object' || typeof entry.exporter?.export !== 'function') {
        throw new TypeError(`${source}: a backend object needs a name and an exporter with export()`);
      }
      backends.push(entry);
      continue;
    }
    const name = entry.trim().toLowerCase();
    if (name === 'none') continue;
    if (seen.has(name)) continue;
    seen.add(name);
    const factory = backendFactory(name);
    if (factory === undefined) {
      const hint = name === 'langfuse' ? ' (install @lazytrace/langfuse)' : '';
      throw new ConfigError(
        `${source}: unknown backend "${entry}"${hint}; known: ${[...backendNames(), 'none'].join(', ')}`,
      );
    }
    const backendOptions = backendOptionsFor(name, options, env, flushTimeoutMs);
    try {
      backends.push(factory({ env, options: backendOptions, serviceName }));
    } catch (error) {
      if (error instanceof ConfigError || error instanceof TypeError) throw error;
      throw new ConfigError(
        `backend "${name}" could not be set up: ${(error as Error)?.message ?? String(error)}`,
      );
    }
  }
  return backends;
}

function backendOptionsFor(
  name: string,
  options: InitTracingOptions,
  env: Env,
  flushTimeoutMs: number,
): unknown {
  switch (name) {
    case 'otlp': {
      const timeoutSet =
        env.OTEL_EXPORTER_OTLP_TIMEOUT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT !== undefined;
      // A hanging backend must not hold the process at exit much longer than the flush timeout.
      return { timeoutMillis: timeoutSet ? undefined : flushTimeoutMs, ...options.otlp };
    }
    case 'file':
      return { path: options.file?.path ?? envString(env, ENV.file) };
    case 'console':
      return options.console;
    case 'langfuse':
      return { timeoutMillis: flushTimeoutMs, ...options.langfuse };
    default:
      return (options as Record<string, unknown>)[name];
  }
}

/**
 * The backends used when none are named: langfuse when its keys are set, otlp when an OTLP
 * endpoint is set, else file.
 */
export function defaultBackendNames(env: Env = process.env): string[] {
  const names: string[] = [];
  if (
    envString(env, ENV.langfusePublicKey) !== undefined &&
    envString(env, ENV.langfuseSecretKey) !== undefined
  ) {
    names.push('langfuse');
  }
  if (
    envString(env, ENV.otlpEndpoint) !== undefined ||
    envString(env, ENV.otlpTracesEndpoint) !== undefined
  ) {
    names.push('otlp');
  }
  if (names.length === 0) names.push('file');
  return names;
}

function buildResource(serviceName: string | undefined) {
  let resource = defaultResource().merge(detectResources({ detectors: [envDetector] }));
  if (serviceName !== undefined)
    resource = resource.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }));
  return resource;
}

const PROBE_KEY = createContextKey('lazytrace.context-manager-probe');

/** With no context manager registered, `context.with` does not make its context active. */
function hasWorkingContextManager(): boolean {
  const probe = ROOT_CONTEXT.setValue(PROBE_KEY, true);
  return context.with(probe, () => context.active().getValue(PROBE_KEY) === true);
}

/**
 * Whether the application already registered a global tracer provider, asked without calling
 * `setGlobalTracerProvider` (which would log a "duplicate registration" error when it has).
 */
function hasGlobalTracerProvider(): boolean {
  const registered = trace.getTracerProvider();
  if (!(registered instanceof ProxyTracerProvider)) return true;
  const noop = new ProxyTracerProvider().getDelegate();
  return registered.getDelegate() !== noop;
}

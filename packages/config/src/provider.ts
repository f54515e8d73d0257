import { timerDelay } from '@lazytrace/core/internal';
import { context, createContextKey, ProxyTracerProvider, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { SimpleSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { type Backend, backendFactory, backendNames, backendOptions } from './backends/backend.js';
import { BatchExportProcessor } from './batch-export-processor.js';
import { CaptureSpanProcessor } from './capture-trace.js';
import { ConfigError, ENV, type Env, envList, envString, envWarning } from './env.js';
import { GuardedExporter } from './export-guard.js';
import type { InitTracingOptions } from './options.js';
import { LazytraceSampler } from './sampler.js';
import { BoundedProcessor, CountingProcessor, type StatsRecorder } from './stats.js';

/**
 * Spans waiting for one backend (batched: not counting the batches being sent; simple: counting
 * the exports in flight) before new ones are dropped and counted.
 */
const MAX_PENDING_SPANS = 2048;
const MAX_EXPORT_BATCH = 512;
/** Batches of one backend in flight at once: the next is serialized while one is on the wire. */
const MAX_CONCURRENT_EXPORTS = 2;
/** OTel's default delay, for a backend that names none. */
const DEFAULT_BATCH_DELAY_MS = 5000;

export interface ProviderSettings {
  readonly backends: readonly Backend[];
  readonly exportMode: 'batched' | 'immediate';
  readonly sampleRate: number;
  readonly serviceName: string | undefined;
  /** Longest one export may take before it is given up (and its spans counted as dropped). */
  readonly exportTimeoutMs: number;
}

/**
 * The tracer provider: a counting processor first, then per backend lazytrace's batch processor
 * (or a bounded simple processor) around the guarded exporter.
 */
export function buildProvider(
  settings: ProviderSettings,
  stats: StatsRecorder,
): { provider: TracerProvider; guards: GuardedExporter[] } {
  // CaptureSpanProcessor: hands captureTrace its request's spans (idle unless a capture is open).
  const processors: SpanProcessor[] = [new CountingProcessor(stats), new CaptureSpanProcessor()];
  const guards: GuardedExporter[] = [];
  for (const backend of settings.backends) {
    const simple = backend.processing === 'simple' || settings.exportMode === 'immediate';
    const guard = new GuardedExporter(backend.name, backend.exporter, stats, settings.exportTimeoutMs);
    guards.push(guard);
    processors.push(
      simple
        ? new BoundedProcessor(new SimpleSpanProcessor({ exporter: guard }), guard, stats, MAX_PENDING_SPANS)
        : new BatchExportProcessor(guard, stats, {
            maxQueuedSpans: MAX_PENDING_SPANS,
            maxBatchSpans: MAX_EXPORT_BATCH,
            maxConcurrentExports: MAX_CONCURRENT_EXPORTS,
            delayMs: timerDelay(backend.scheduledDelayMillis ?? DEFAULT_BATCH_DELAY_MS),
          }),
    );
  }
  const provider = new TracerProvider({
    resource: buildResource(settings.serviceName),
    sampler: new LazytraceSampler(settings.sampleRate),
    spanProcessors: processors,
  });
  return { provider, guards };
}

export function resolveBackends(
  options: InitTracingOptions,
  env: Env,
  serviceName: string | undefined,
  flushTimeoutMs: number,
): Backend[] {
  const fromCode = options.backends !== undefined;
  const requested = options.backends ?? knownFromEnv(env) ?? defaultBackendNames(env);
  const source = fromCode ? 'initTracing: "backends"' : ENV.backends;
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
      throw new ConfigError(
        `${source}: unknown backend "${entry}"; known: ${[...backendNames(), 'none'].join(', ')}`,
      );
    }
    try {
      const resolved = backendOptions(name, options, { env, flushTimeoutMs });
      backends.push(factory({ env, options: resolved, serviceName }));
    } catch (error) {
      if (error instanceof ConfigError || error instanceof TypeError) throw error;
      throw new ConfigError(
        `backend "${name}" could not be set up: ${(error as Error)?.message ?? String(error)}`,
      );
    }
  }
  return backends;
}

/**
 * `LAZYTRACE_BACKENDS` without the names no backend answers to (each reported once); when none is
 * left, the default backends.
 */
function knownFromEnv(env: Env): string[] | undefined {
  const names = envList(env, ENV.backends);
  if (names === undefined) return undefined;
  const known = names.filter((name) => {
    if (name === 'none' || backendFactory(name) !== undefined) return true;
    envWarning(
      ENV.backends,
      envString(env, ENV.backends) ?? '',
      `names an unknown backend "${name}"; known: ${[...backendNames(), 'none'].join(', ')}`,
      'the rest of the list (or the default backends)',
    );
    return false;
  });
  return known.length > 0 ? known : undefined;
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
export function hasWorkingContextManager(): boolean {
  const probe = ROOT_CONTEXT.setValue(PROBE_KEY, true);
  return context.with(probe, () => context.active().getValue(PROBE_KEY) === true);
}

/**
 * Whether the application already registered a global tracer provider, asked without calling
 * `setGlobalTracerProvider` (which would log a "duplicate registration" error when it has).
 */
export function hasGlobalTracerProvider(): boolean {
  const registered = trace.getTracerProvider();
  if (!(registered instanceof ProxyTracerProvider)) return true;
  const noop = new ProxyTracerProvider().getDelegate();
  return registered.getDelegate() !== noop;
}

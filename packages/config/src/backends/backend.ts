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
  /** The variables given to `initTracing` (`env`), else `process.env`: read settings from here. */
  readonly env: Env;
  /**
   * This backend's options: `initTracing`'s option under the backend's options key
   * (`options.otlp`, `options.langfuse`, `options.memory` …), as shaped by its declaration's
   * `resolveOptions`.
   */
  readonly options: unknown;
  readonly serviceName: string | undefined;
}

export type BackendFactory = (context: BackendContext) => Backend;

/** What `resolveOptions` gets besides the options given in code. */
export interface BackendSettings {
  readonly env: Env;
  /** `initTracing`'s `flushTimeoutMs`: the longest one export may take. */
  readonly flushTimeoutMs: number;
}

/**
 * What a backend says about its own configuration, so `initTracing` checks and hands over its
 * options without knowing the backend (a third-party backend gets options like a built-in one).
 */
export interface BackendDeclaration {
  /** The `initTracing` option holding this backend's options. Default: the backend's name. */
  readonly optionsKey?: string;
  /**
   * The keys that options object accepts; any other is rejected like a misspelt `initTracing`
   * option. Omitted: any object is accepted and the factory checks it.
   */
  readonly knownOptions?: readonly string[];
  /**
   * The options the factory gets, from those given in code and the environment (`settings.env`,
   * the variables given to `initTracing`). Default: the options given in code, as they are.
   */
  readonly resolveOptions?: (given: unknown, settings: BackendSettings) => unknown;
}

/**
 * Options of backends registered with `registerBackend`, by options key. A third-party backend
 * adds its own key to the type of `initTracing`'s options by augmenting this interface:
 * `declare module '@lazytrace/config' { interface BackendOptionsByKey { memory?: MemoryOptions } }`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by backends (declaration merging).
export interface BackendOptionsByKey {}

interface Registration {
  readonly factory: BackendFactory;
  readonly optionsKey: string;
  readonly knownOptions: readonly string[] | undefined;
  readonly resolveOptions: ((given: unknown, settings: BackendSettings) => unknown) | undefined;
}

const registrations = new Map<string, Registration>();

const IDENTIFIER = /^[a-z][a-z0-9_-]*$/;
const OPTIONS_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Makes a backend available by name to `initTracing({ backends: [name] })` and `LAZYTRACE_BACKENDS`,
 * with its options under `initTracing`'s `declaration.optionsKey` (default: `name`). The built-in
 * `otlp`, `file`, `console` and `langfuse` backends are registered the same way.
 */
export function registerBackend(
  name: string,
  factory: BackendFactory,
  declaration: BackendDeclaration = {},
): void {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new TypeError(
      `registerBackend: "name" must be a lower-case identifier, got ${JSON.stringify(name)}`,
    );
  }
  if (typeof factory !== 'function') {
    throw new TypeError(`registerBackend: "factory" must be a function, got ${typeof factory}`);
  }
  if (declaration === null || typeof declaration !== 'object') {
    throw new TypeError('registerBackend: "declaration" must be an object');
  }
  const optionsKey = declaration.optionsKey ?? name;
  if (typeof optionsKey !== 'string' || !OPTIONS_KEY.test(optionsKey) || RESERVED.has(optionsKey)) {
    throw new TypeError(
      `registerBackend: "optionsKey" must be an identifier that is not an initTracing option, got ${JSON.stringify(optionsKey)}`,
    );
  }
  for (const [other, registration] of registrations) {
    if (other !== name && registration.optionsKey === optionsKey) {
      throw new TypeError(
        `registerBackend: options key "${optionsKey}" already belongs to backend "${other}"`,
      );
    }
  }
  const { knownOptions, resolveOptions } = declaration;
  if (
    knownOptions !== undefined &&
    !(Array.isArray(knownOptions) && knownOptions.every((k) => typeof k === 'string'))
  ) {
    throw new TypeError('registerBackend: "knownOptions" must be an array of strings');
  }
  if (resolveOptions !== undefined && typeof resolveOptions !== 'function') {
    throw new TypeError('registerBackend: "resolveOptions" must be a function');
  }
  registrations.set(name, {
    factory,
    optionsKey,
    knownOptions: knownOptions === undefined ? undefined : [...knownOptions],
    resolveOptions,
  });
}

/** `initTracing`'s own options: no backend may take one of these as its options key. */
const RESERVED = new Set([
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
  'flushTimeoutMs',
  'flushOnExit',
  'handleSignals',
  'env',
]);

export function initTracingOptionNames(): ReadonlySet<string> {
  return RESERVED;
}

export function backendFactory(name: string): BackendFactory | undefined {
  return registrations.get(name)?.factory;
}

export function backendNames(): string[] {
  return [...registrations.keys()];
}

/** Each registered backend's options key and the keys its options accept (if it declared them). */
export function backendOptionKeys(): { optionsKey: string; knownOptions: readonly string[] | undefined }[] {
  return [...registrations.values()].map(({ optionsKey, knownOptions }) => ({ optionsKey, knownOptions }));
}

/** The options a backend's factory gets: its key's value, shaped by its declaration. */
export function backendOptions(name: string, options: object, settings: BackendSettings): unknown {
  const registration = registrations.get(name);
  if (registration === undefined) return undefined;
  const given = (options as Record<string, unknown>)[registration.optionsKey];
  return registration.resolveOptions === undefined ? given : registration.resolveOptions(given, settings);
}

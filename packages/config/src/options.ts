import type { MaskFunction, TraceContext } from '@lazytrace/core';
import {
  type Backend,
  type BackendOptionsByKey,
  backendOptionKeys,
  initTracingOptionNames,
} from './backends/backend.js';
import type { ConsoleBackendOptions } from './backends/console-exporter.js';
import type { FileBackendOptions } from './backends/file-exporter.js';
import type { OtlpBackendOptions } from './backends/otlp.js';
import type { Env } from './env.js';

/**
 * `initTracing`'s options. Each registered backend's options sit under its options key (built-in:
 * `otlp`, `file`, `console`, `langfuse`; others by augmenting `BackendOptionsByKey`).
 */
export interface InitTracingOptions extends BackendOptionsByKey {
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
  readonly file?: FileBackendOptions;
  readonly console?: ConsoleBackendOptions;
  /** Options of the `langfuse` backend (see `@lazytrace/langfuse`). */
  readonly langfuse?: Readonly<Record<string, unknown>>;
  /**
   * One total deadline for `shutdownTracing()` and for the flush at natural exit, and the longest
   * one export may take: past it, sockets are destroyed and what was not exported is counted as
   * dropped. Default `LAZYTRACE_FLUSH_TIMEOUT_MS`, else 5000.
   */
  readonly flushTimeoutMs?: number;
  /** Flush when the process exits naturally (`beforeExit`). Default true. */
  readonly flushOnExit?: boolean;
  /** Flush and shut down on SIGINT/SIGTERM, then let the signal do what it would have done. Default false. */
  readonly handleSignals?: boolean;
  /** Variables to read instead of `process.env` (tests, embedding). */
  readonly env?: Env;
}

/** Throws a `TypeError` naming the option for anything `initTracing` cannot use. */
export function checkOptions(options: InitTracingOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `initTracing: expected an options object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  // Backend options keys come from the backends registered now (a third-party backend's too).
  const backendKeys = backendOptionKeys();
  const known = new Set([...initTracingOptionNames(), ...backendKeys.map((b) => b.optionsKey)]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new TypeError(`initTracing: unknown option "${key}" (known: ${[...known].join(', ')})`);
    }
  }
  const o = options as Record<string, unknown>;
  for (const { optionsKey: name, knownOptions } of backendKeys) {
    const value = o[name];
    if (value === undefined) continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new TypeError(
        `initTracing: "${name}" must be an options object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
      );
    }
    if (knownOptions === undefined) continue;
    for (const key of Object.keys(value)) {
      if (!knownOptions.includes(key)) {
        throw new TypeError(
          `initTracing: unknown option "${name}.${key}" (known: ${knownOptions.join(', ')})`,
        );
      }
    }
  }
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

/**
 * Whether two option objects ask for the same set-up: plain data compared by value, functions,
 * exporters and other class instances by identity (a second `initTracing(sameOptions)` from
 * another module is the same request; a different mask or backend is not).
 */
export function sameOptions(a: unknown, b: unknown, depth = 0): boolean {
  if (Object.is(a, b)) return true;
  if (depth > 8 || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return false;
  }
  if (a instanceof RegExp || b instanceof RegExp) {
    return a instanceof RegExp && b instanceof RegExp && String(a) === String(b);
  }
  const plain = (v: object) =>
    Array.isArray(v) || [Object.prototype, null].includes(Object.getPrototypeOf(v));
  if (!plain(a) || !plain(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    sameOptions((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1),
  );
}

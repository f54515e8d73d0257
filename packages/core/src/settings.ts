import type { TracerProvider } from '@opentelemetry/api';
import { sharedSingleton } from './global-state.js';

/**
 * A user function that may rewrite any captured value before it is serialized: inputs, outputs,
 * and the message and stack frames of a thrown error (`field: 'error'`, given as text, already cut
 * to the string budget).
 */
export type MaskFunction = (
  value: unknown,
  info: { readonly name: string; readonly field: 'input' | 'output' | 'error' },
) => unknown;

export interface TracingSettings {
  /** Where spans are created. Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider: TracerProvider | undefined;
  /** Budget per captured value, in characters of JSON text. Default 4096. */
  readonly maxContentChars: number;
  /**
   * Budget per string inside a captured value (and per error message or stack). Default: the same
   * as `maxContentChars`; when set, never more than it.
   */
  readonly maxStringChars: number;
  /** Keys whose values are replaced by `[REDACTED]`; compared case- and separator-insensitively. */
  readonly redactKeys: readonly (string | RegExp)[];
  readonly mask: MaskFunction | undefined;
  /**
   * A streamed result nobody pulls from for this long is closed as abandoned, so a stream that is
   * never iterated cannot keep its call (and its span) open forever. Default 60000.
   */
  readonly streamIdleTimeoutMs: number;
}

export const DEFAULT_REDACT_KEYS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'api_key',
  'apikey',
  'x-api-key',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'cookie',
  'set-cookie',
  'private_key',
  'secret_key',
  'credentials',
]);

const DEFAULTS: TracingSettings = Object.freeze({
  tracerProvider: undefined,
  maxContentChars: 4_096,
  maxStringChars: 4_096,
  redactKeys: DEFAULT_REDACT_KEYS,
  mask: undefined,
  streamIdleTimeoutMs: 60_000,
});

const holder = sharedSingleton('settings', () => ({
  settings: DEFAULTS,
  version: 0,
  /** `maxStringChars` as configured (the effective one is capped by `maxContentChars`). */
  stringChars: undefined as number | undefined,
}));

export function getTracingSettings(): TracingSettings {
  return holder.settings;
}

/** Version number bumped on every change, so caches derived from the settings can check freshness. */
export function settingsVersion(): number {
  return holder.version;
}

/**
 * Changes process-wide tracing settings of the core (the tracer provider, capture budgets,
 * redaction, masking, the stream idle timeout). Unset fields keep their current value; `null`
 * restores a field's default.
 */
export function configureTracing(
  patch: { readonly [K in keyof TracingSettings]?: TracingSettings[K] | null },
): void {
  if (patch === null || typeof patch !== 'object') {
    throw new TypeError(
      `configureTracing: expected an object, got ${patch === null ? 'null' : typeof patch}`,
    );
  }
  const next: Record<string, unknown> = { ...holder.settings };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in DEFAULTS)) {
      throw new TypeError(
        `configureTracing: unknown setting "${key}" (known: ${Object.keys(DEFAULTS).join(', ')})`,
      );
    }
    if (value === undefined) continue;
    if (value === null) {
      next[key] = DEFAULTS[key as keyof TracingSettings];
      continue;
    }
    validate(key as keyof TracingSettings, value);
    next[key] = key === 'redactKeys' ? Object.freeze([...(value as unknown[])]) : value;
  }
  // The string budget is kept as configured and capped on every change: a small content budget
  // once must not shrink strings for good after the content budget is raised again.
  let stringChars = holder.stringChars;
  if (patch.maxStringChars === null) stringChars = undefined;
  else if (typeof patch.maxStringChars === 'number') stringChars = patch.maxStringChars;
  const contentChars = next.maxContentChars as number;
  next.maxStringChars = Math.min(stringChars ?? contentChars, contentChars);
  holder.settings = Object.freeze(next) as unknown as TracingSettings;
  holder.stringChars = stringChars;
  holder.version++;
}

function validate(key: keyof TracingSettings, value: unknown): void {
  switch (key) {
    case 'tracerProvider':
      if (typeof (value as TracerProvider).getTracer !== 'function') {
        throw new TypeError('configureTracing: "tracerProvider" must have a getTracer() method');
      }
      return;
    case 'maxContentChars':
    case 'maxStringChars':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 256) {
        throw new TypeError(`configureTracing: "${key}" must be an integer >= 256, got ${String(value)}`);
      }
      return;
    case 'streamIdleTimeoutMs':
      if (typeof value !== 'number' || !(value > 0)) {
        throw new TypeError(
          `configureTracing: "streamIdleTimeoutMs" must be a number > 0, got ${String(value)}`,
        );
      }
      return;
    case 'redactKeys':
      if (!Array.isArray(value) || !value.every((k) => typeof k === 'string' || k instanceof RegExp)) {
        throw new TypeError('configureTracing: "redactKeys" must be an array of strings or RegExps');
      }
      return;
    case 'mask':
      if (typeof value !== 'function') {
        throw new TypeError(`configureTracing: "mask" must be a function, got ${typeof value}`);
      }
      return;
  }
}

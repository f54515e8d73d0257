import { validateTraceContext } from '@lazytrace/core';
import { timerDelay } from '@lazytrace/core/internal';
import { ENV, type Env, envBoolean, envEnabled, envInteger, envRate, envString } from './env.js';
import type { InitTracingOptions } from './options.js';

/** `initTracing`'s own settings, each from its option, else the environment given, else the default. */
export interface InitTracingSettings {
  readonly env: Env;
  readonly enabled: boolean;
  readonly captureContent: boolean;
  readonly maxContentChars: number;
  readonly sampleRate: number;
  readonly exportMode: NonNullable<InitTracingOptions['exportMode']>;
  /** The one total deadline of the exit flush and shutdown, and the longest one export may take. */
  readonly flushTimeoutMs: number;
  readonly serviceName: string | undefined;
  /** The process-wide trace defaults: `options.defaults` with `enabled` and `captureContent`, checked. */
  readonly defaults: ReturnType<typeof validateTraceContext>;
}

/**
 * Resolves the settings of already checked options. A bad environment variable is ignored with
 * one warning naming it (the default is used); bad `defaults` throw.
 */
export function resolveInitTracingSettings(options: InitTracingOptions): InitTracingSettings {
  const env = options.env ?? process.env;
  const enabled = options.enabled ?? envEnabled(env) ?? true;
  const captureContent = options.captureContent ?? envBoolean(env, ENV.captureContent) ?? true;
  const maxContentChars = options.maxContentChars ?? envInteger(env, ENV.maxContentChars, 256) ?? 4_096;
  const sampleRate = options.sampleRate ?? envRate(env, ENV.sampleRate) ?? 1;
  const exportMode = options.exportMode ?? 'batched';
  const flushTimeoutMs = timerDelay(
    options.flushTimeoutMs ?? envInteger(env, ENV.flushTimeoutMs, 1) ?? 5_000,
  );
  const serviceName = options.serviceName ?? envString(env, ENV.serviceName);
  const defaults = validateTraceContext(
    { ...options.defaults, enabled, captureContent },
    'initTracing: defaults',
  );
  return {
    env,
    enabled,
    captureContent,
    maxContentChars,
    sampleRate,
    exportMode,
    flushTimeoutMs,
    serviceName,
    defaults,
  };
}

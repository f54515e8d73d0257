import { logWarning } from '@lazytrace/core';

/**
 * Reading lazytrace's environment variables. A value that cannot be read is ignored with one
 * warning naming the variable, what it expected and that the default applies (the OTel SDK's
 * convention, DESIGN amendments): the environment of a deployed application must not stop it.
 * Only options given in code throw.
 */
export type Env = Readonly<Record<string, string | undefined>>;

const warned = new Set<string>();

/** One warning per variable and value: `${name}=... is not ...; ignored, the default is used`. */
export function envWarning(name: string, value: string, problem: string, fallback = 'the default'): void {
  const key = `${name}=${value}`;
  if (warned.has(key)) return;
  warned.add(key);
  logWarning(`${name}=${JSON.stringify(value)} ${problem}: ignored, ${fallback} is used.`);
}

export class ConfigError extends Error {
  override readonly name = 'LazytraceConfigError';
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function present(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  return value === '' ? undefined : value;
}

export function envBoolean(env: Env, name: string): boolean | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  envWarning(name, value, 'is not a boolean (use true/false, 1/0, yes/no, on/off)');
  return undefined;
}

export function envInteger(env: Env, name: string, min: number): number | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    envWarning(name, value, `is not an integer >= ${min}`);
    return undefined;
  }
  return n;
}

export function envRate(env: Env, name: string): number | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    envWarning(name, value, 'is not a number from 0 to 1');
    return undefined;
  }
  return n;
}

export function envString(env: Env, name: string): string | undefined {
  return present(env, name);
}

export function envList(env: Env, name: string): string[] | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

/** The environment variables lazytrace reads itself (OTel's are also read by the OTLP exporter). */
export const ENV = {
  enabled: 'LAZYTRACE_ENABLED',
  sdkDisabled: 'OTEL_SDK_DISABLED',
  backends: 'LAZYTRACE_BACKENDS',
  captureContent: 'LAZYTRACE_CAPTURE_CONTENT',
  maxContentChars: 'LAZYTRACE_MAX_CONTENT_CHARS',
  sampleRate: 'LAZYTRACE_SAMPLE_RATE',
  file: 'LAZYTRACE_FILE',
  flushTimeoutMs: 'LAZYTRACE_FLUSH_TIMEOUT_MS',
  serviceName: 'OTEL_SERVICE_NAME',
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  otlpTracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  otlpProtocol: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  otlpTracesProtocol: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  langfusePublicKey: 'LANGFUSE_PUBLIC_KEY',
  langfuseSecretKey: 'LANGFUSE_SECRET_KEY',
} as const;

/**
 * The master switch from the environment: `LAZYTRACE_ENABLED` (lazytrace's own, so it wins), else
 * the OpenTelemetry SDK's `OTEL_SDK_DISABLED`, where only `true` (any case) disables, as the
 * OTel specification reads it.
 */
export function envEnabled(env: Env): boolean | undefined {
  const own = envBoolean(env, ENV.enabled);
  if (own !== undefined) return own;
  const disabled = present(env, ENV.sdkDisabled)?.toLowerCase();
  if (disabled === undefined) return undefined;
  if (disabled === 'true') return false;
  if (disabled !== 'false') envWarning(ENV.sdkDisabled, disabled, 'is not true or false', 'false');
  return undefined;
}

/**
 * `OTEL_BSP_SCHEDULE_DELAY` (ms a batch waits), read from the environment given to `initTracing`
 * for the network backends. OTel's `sdk-trace-base` read it from `process.env` in its processor;
 * `@opentelemetry/sdk-trace` (2.12+ and 3.x, what lazytrace builds on) leaves it to the caller.
 */
export function envBatchDelay(env: Env): number | undefined {
  return envInteger(env, 'OTEL_BSP_SCHEDULE_DELAY', 0);
}

/**
 * Reading lazytrace's environment variables. Every parse error names the variable and what it
 * expected, so a typo fails loudly at `initTracing` instead of silently switching tracing off.
 */
export type Env = Readonly<Record<string, string | undefined>>;

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
  throw new ConfigError(
    `${name}=${JSON.stringify(value)} is not a boolean (use true/false, 1/0, yes/no, on/off)`,
  );
}

export function envInteger(env: Env, name: string, min: number): number | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} must be an integer >= ${min}`);
  }
  return n;
}

export function envRate(env: Env, name: string): number | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} must be a number from 0 to 1`);
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

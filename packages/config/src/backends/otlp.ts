import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { redactUrl } from '../describe.js';
import { ConfigError, ENV, type Env, envBatchDelay, envString, envWarning } from '../env.js';
import type { Backend, BackendContext } from './backend.js';

export type OtlpProtocol = 'http/json' | 'http/protobuf';

export interface OtlpBackendOptions {
  /** Full URL of the traces endpoint. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`. */
  readonly url?: string;
  /** Extra headers, over `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/json`. */
  readonly protocol?: OtlpProtocol;
  /** Per export request. Default: the OTel variables, else 10000. */
  readonly timeoutMillis?: number;
}

const DEFAULT_URL = 'http://localhost:4318/v1/traces';

/** OTLP/HTTP to any backend (a Collector, Jaeger, Tempo, Honeycomb …), JSON or protobuf. */
export function createOtlpBackend({ env, options }: BackendContext): Backend {
  const opts = (options ?? {}) as OtlpBackendOptions;
  const protocol = resolveProtocol(opts, env);
  const url = resolveUrl(opts, env);
  // Resolved here (not left to the exporter, which would read process.env) so that the
  // environment given to initTracing is the one that counts.
  const headers = { ...envHeaders(env), ...opts.headers };
  const config = { url, headers, timeoutMillis: opts.timeoutMillis };
  const exporter = protocol === 'http/protobuf' ? new ProtobufExporter(config) : new JsonExporter(config);
  const scheduledDelayMillis = envBatchDelay(env);
  return {
    name: 'otlp',
    exporter,
    scheduledDelayMillis,
    // Header names only: their values are often API keys.
    description: { url, protocol, headers: Object.keys(headers), scheduledDelayMillis },
  };
}

function resolveProtocol(opts: OtlpBackendOptions, env: Env): OtlpProtocol {
  if (opts.protocol !== undefined) {
    if (opts.protocol === 'http/json' || opts.protocol === 'http/protobuf') return opts.protocol;
    throw new ConfigError(
      `options.otlp.protocol=${JSON.stringify(opts.protocol)} is not an OTLP protocol lazytrace sends (use http/protobuf or http/json)`,
    );
  }
  for (const variable of [ENV.otlpTracesProtocol, ENV.otlpProtocol]) {
    const value = envString(env, variable);
    if (value === undefined) continue;
    if (value === 'http/json' || value === 'http/protobuf') return value;
    envWarning(
      variable,
      value,
      value === 'grpc'
        ? "is not supported by lazytrace's otlp backend (use http/protobuf or http/json)"
        : 'is not an OTLP protocol (use http/protobuf or http/json)',
      'http/json',
    );
    return 'http/json';
  }
  return 'http/json';
}

function resolveUrl(opts: OtlpBackendOptions, env: Env): string {
  if (opts.url !== undefined) {
    const problem = urlProblem(opts.url);
    if (problem !== undefined) {
      throw new ConfigError(`options.otlp.url=${JSON.stringify(redactUrl(String(opts.url)))} ${problem}`);
    }
    return opts.url;
  }
  for (const [variable, suffix] of [
    [ENV.otlpTracesEndpoint, ''],
    [ENV.otlpEndpoint, '/v1/traces'],
  ] as const) {
    const value = envString(env, variable);
    if (value === undefined) continue;
    const problem = urlProblem(value);
    if (problem === undefined) return suffix === '' ? value : `${value.replace(/\/+$/, '')}${suffix}`;
    envWarning(variable, redactUrl(value), problem, DEFAULT_URL);
    return DEFAULT_URL;
  }
  return DEFAULT_URL;
}

function urlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be a URL string, got ${typeof value}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  return undefined;
}

/**
 * `OTEL_EXPORTER_OTLP_HEADERS` then `OTEL_EXPORTER_OTLP_TRACES_HEADERS`: comma-separated
 * `key=value` pairs, URL-encoded, as OTel reads them. OTel's own parser drops a malformed pair
 * silently (a header missing, and nobody told); here each well-formed pair is used and the others
 * are reported in one warning per variable, by position only (the values are often API keys).
 */
function envHeaders(env: Env): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    const malformed: number[] = [];
    raw.split(',').forEach((entry, i) => {
      if (entry.trim() === '') return;
      const header = parseHeader(entry);
      if (header === undefined) malformed.push(i + 1);
      else headers[header[0]] = header[1];
    });
    if (malformed.length > 0) {
      envWarning(
        variable,
        '…',
        `has ${malformed.length === 1 ? 'a malformed entry' : 'malformed entries'} (number ${malformed.join(', ')}; expected key=value, URL-encoded, comma-separated)`,
        'each well-formed header',
      );
    }
  }
  return headers;
}

/** An HTTP header name: an RFC 9110 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function parseHeader(entry: string): [string, string] | undefined {
  const at = entry.indexOf('=');
  if (at <= 0) return undefined;
  try {
    const key = decodeURIComponent(entry.slice(0, at).trim());
    const value = decodeURIComponent(entry.slice(at + 1).trim());
    if (!TOKEN.test(key) || /[\r\n\0]/.test(value)) return undefined;
    return [key, value];
  } catch {
    return undefined; // a bad %-escape
  }
}

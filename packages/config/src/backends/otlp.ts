import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { redactUrl } from '../describe.js';
import { ConfigError, ENV, type Env, envString, envWarning } from '../env.js';
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
  return {
    name: 'otlp',
    exporter,
    // Header names only: their values are often API keys.
    description: { url, protocol, headers: Object.keys(headers) },
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

/** `OTEL_EXPORTER_OTLP_HEADERS` then `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, parsed as OTel parses them. */
function envHeaders(env: Env): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    try {
      Object.assign(headers, parseKeyPairsIntoRecord(env[variable]));
    } catch {
      // The value is not repeated: it holds credentials.
      envWarning(
        variable,
        '…',
        'has a badly encoded header (expected key=value pairs, URL-encoded)',
        'no header from it',
      );
    }
  }
  return headers;
}

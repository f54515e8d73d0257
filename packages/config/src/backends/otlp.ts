import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConfigError, ENV, type Env, envString } from '../env.js';
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
  const [source, value] =
    opts.protocol !== undefined
      ? ['options.otlp.protocol', opts.protocol]
      : envString(env, ENV.otlpTracesProtocol) !== undefined
        ? [ENV.otlpTracesProtocol, envString(env, ENV.otlpTracesProtocol)]
        : [ENV.otlpProtocol, envString(env, ENV.otlpProtocol) ?? 'http/json'];
  if (value === 'http/json' || value === 'http/protobuf') return value;
  if (value === 'grpc') {
    throw new ConfigError(
      `${source}="grpc" is not supported by lazytrace's otlp backend: use http/protobuf or http/json`,
    );
  }
  throw new ConfigError(
    `${source}=${JSON.stringify(value)} is not an OTLP protocol (use http/protobuf or http/json)`,
  );
}

function resolveUrl(opts: OtlpBackendOptions, env: Env): string {
  if (opts.url !== undefined) return checkUrl(opts.url, 'options.otlp.url');
  const traces = envString(env, ENV.otlpTracesEndpoint);
  if (traces !== undefined) return checkUrl(traces, ENV.otlpTracesEndpoint);
  const base = envString(env, ENV.otlpEndpoint);
  if (base !== undefined) return `${checkUrl(base, ENV.otlpEndpoint).replace(/\/+$/, '')}/v1/traces`;
  return DEFAULT_URL;
}

function checkUrl(value: unknown, source: string): string {
  if (typeof value !== 'string') throw new ConfigError(`${source} must be a URL string, got ${typeof value}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${source}=${JSON.stringify(value)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${source}=${JSON.stringify(value)} must be an http:// or https:// URL`);
  }
  return value;
}

/** `OTEL_EXPORTER_OTLP_HEADERS` then `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, parsed as OTel parses them. */
function envHeaders(env: Env): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    try {
      Object.assign(headers, parseKeyPairsIntoRecord(env[variable]));
    } catch {
      throw new ConfigError(`${variable} has a badly encoded header (expected key=value pairs, URL-encoded)`);
    }
  }
  return headers;
}

import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

export type OtlpProtocol = 'http/json' | 'http/protobuf';

/** Where and how `replay --to otlp` sends: the standard OTel exporter variables, then the flags. */
export interface OtlpSettings {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly protocol: OtlpProtocol;
  readonly timeoutMillis: number;
  readonly compression: 'gzip' | 'none';
}

const DEFAULT_URL = 'http://localhost:4318/v1/traces';

/**
 * Reads the OTel exporter variables as the OTel SDK reads them (the `TRACES_` form first):
 * `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `_HEADERS`, `_PROTOCOL`, `_TIMEOUT`, `_COMPRESSION`.
 * `--endpoint` is a base URL like `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` is added unless
 * the URL already ends with it). The protocol defaults to http/json, as lazytrace's otlp backend.
 */
export function resolveOtlpSettings(
  io: CliIo,
  flags: { endpoint?: string; timeoutMillis?: number },
): OtlpSettings {
  const env = (name: string) => {
    const value = io.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  let url: string;
  if (flags.endpoint !== undefined) url = tracesUrl(checkUrl(flags.endpoint, '--endpoint'));
  else if (env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined)
    url = checkUrl(env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')!, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  else if (env('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined)
    url = tracesUrl(checkUrl(env('OTEL_EXPORTER_OTLP_ENDPOINT')!, 'OTEL_EXPORTER_OTLP_ENDPOINT'));
  else url = DEFAULT_URL;

  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    try {
      Object.assign(headers, parseKeyPairsIntoRecord(env(name)));
    } catch {
      throw new UsageError(`${name} has a badly encoded header (expected key=value pairs, URL-encoded)`);
    }
  }

  const protocolSource = env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env(protocolSource) ?? 'http/json';
  if (protocol !== 'http/json' && protocol !== 'http/protobuf') {
    throw new UsageError(
      `${protocolSource}=${JSON.stringify(protocol)}: replay sends OTLP over HTTP (http/json or http/protobuf)`,
    );
  }

  const timeoutText = env('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? env('OTEL_EXPORTER_OTLP_TIMEOUT');
  const envTimeout = timeoutText === undefined ? undefined : Number(timeoutText);
  if (envTimeout !== undefined && !(Number.isFinite(envTimeout) && envTimeout > 0)) {
    throw new UsageError(
      `OTEL_EXPORTER_OTLP_TIMEOUT=${JSON.stringify(timeoutText)} is not a number of milliseconds`,
    );
  }
  const compression =
    env('OTEL_EXPORTER_OTLP_TRACES_COMPRESSION') ?? env('OTEL_EXPORTER_OTLP_COMPRESSION') ?? 'none';
  if (compression !== 'gzip' && compression !== 'none') {
    throw new UsageError(`OTEL_EXPORTER_OTLP_COMPRESSION=${JSON.stringify(compression)}: use gzip or none`);
  }
  return {
    url,
    headers,
    protocol,
    timeoutMillis: flags.timeoutMillis ?? envTimeout ?? 10_000,
    compression,
  };
}

function tracesUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

function checkUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source} ${JSON.stringify(value)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} ${JSON.stringify(value)} must be an http:// or https:// URL`);
  }
  return value;
}

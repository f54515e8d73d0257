import type { LangfuseExporter, LangfuseOptions } from '@lazytrace/langfuse';
import { ENV, envBatchDelay, envString } from '../env.js';
import { registerBackend } from './backend.js';
import { type ConsoleBackendOptions, ConsoleTreeExporter } from './console-exporter.js';
import {
  DEFAULT_FILE_FLUSH_INTERVAL_MS,
  type FileBackendOptions,
  FileSpanExporter,
} from './file-exporter.js';
import { loadOptionalPeer } from './optional-peer.js';
import { createOtlpBackend } from './otlp.js';

export const DEFAULT_TRACE_FILE = '.lazytrace/traces.jsonl';

registerBackend('otlp', createOtlpBackend, {
  knownOptions: ['url', 'headers', 'protocol', 'timeoutMillis'],
  resolveOptions: (given, { env, flushTimeoutMs }) => {
    const timeoutSet =
      env.OTEL_EXPORTER_OTLP_TIMEOUT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT !== undefined;
    // A hanging backend must not hold the process at exit much longer than the flush timeout.
    return { timeoutMillis: timeoutSet ? undefined : flushTimeoutMs, ...(given as object | undefined) };
  },
});

registerBackend(
  'file',
  ({ options }) => {
    const opts = (options ?? {}) as FileBackendOptions;
    const flushIntervalMs = opts.flushIntervalMs ?? DEFAULT_FILE_FLUSH_INTERVAL_MS;
    if (!(typeof flushIntervalMs === 'number' && Number.isInteger(flushIntervalMs) && flushIntervalMs > 0)) {
      throw new TypeError(
        `initTracing: "file.flushIntervalMs" must be a positive integer, got ${String(flushIntervalMs)}`,
      );
    }
    const exporter = new FileSpanExporter(opts.path ?? DEFAULT_TRACE_FILE);
    return {
      name: 'file',
      exporter,
      scheduledDelayMillis: flushIntervalMs,
      description: { path: exporter.path, variable: ENV.file, flushIntervalMs },
    };
  },
  {
    knownOptions: ['path', 'flushIntervalMs'],
    resolveOptions: (given, { env }) => {
      const opts = given as FileBackendOptions | undefined;
      return { ...opts, path: opts?.path ?? envString(env, ENV.file) };
    },
  },
);

registerBackend(
  'console',
  ({ env, options }) => ({
    name: 'console',
    exporter: new ConsoleTreeExporter(options as ConsoleBackendOptions | undefined, env),
    processing: 'simple',
    description: {},
  }),
  { knownOptions: ['stream', 'colors', 'contentChars'] },
);

// `@lazytrace/langfuse` is an optional peer: loaded only when the langfuse backend is configured.
registerBackend(
  'langfuse',
  ({ env, options }) => {
    const { LangfuseExporter: Exporter } = loadOptionalPeer<{ LangfuseExporter: typeof LangfuseExporter }>(
      '@lazytrace/langfuse',
      'langfuse',
    );
    const exporter = new Exporter({ env, ...(options as LangfuseOptions | undefined) });
    const { baseUrl, publicKey, environment, release, exportAllSpans } = exporter.settings;
    const scheduledDelayMillis = envBatchDelay(env);
    return {
      name: 'langfuse',
      exporter,
      scheduledDelayMillis,
      description: { baseUrl, publicKey, environment, release, exportAllSpans, scheduledDelayMillis },
    };
  },
  {
    // Its option keys are checked by @lazytrace/langfuse itself (LangfuseOptions).
    resolveOptions: (given, { flushTimeoutMs }) => ({
      timeoutMillis: flushTimeoutMs,
      ...(given as object | undefined),
    }),
  },
);

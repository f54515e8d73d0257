import { LangfuseExporter, type LangfuseOptions } from '@lazytrace/langfuse';
import { ENV } from '../env.js';
import { registerBackend } from './backend.js';
import { type ConsoleBackendOptions, ConsoleTreeExporter } from './console-exporter.js';
import { FileSpanExporter } from './file-exporter.js';
import { createOtlpBackend } from './otlp.js';

export const DEFAULT_TRACE_FILE = '.lazytrace/traces.jsonl';

registerBackend('otlp', createOtlpBackend);

registerBackend('file', ({ options }) => {
  const path = (options as { path?: string } | undefined)?.path ?? DEFAULT_TRACE_FILE;
  const exporter = new FileSpanExporter(path);
  return { name: 'file', exporter, description: { path: exporter.path, variable: ENV.file } };
});

registerBackend('console', ({ options }) => ({
  name: 'console',
  exporter: new ConsoleTreeExporter(options as ConsoleBackendOptions | undefined),
  processing: 'simple',
  description: {},
}));

registerBackend('langfuse', ({ env, options }) => {
  const exporter = new LangfuseExporter({ env, ...(options as LangfuseOptions | undefined) });
  const { baseUrl, publicKey, environment, release, exportAllSpans } = exporter.settings;
  return {
    name: 'langfuse',
    exporter,
    description: { baseUrl, publicKey, environment, release, exportAllSpans },
  };
});

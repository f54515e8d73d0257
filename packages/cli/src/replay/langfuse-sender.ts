import { isLangfuseRelevant, LangfuseExporter, type LangfuseOptions } from '@lazytrace/langfuse';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { errorMessage } from '../errors.js';
import type { BatchOutcome, SpanSender } from './sender.js';

/**
 * Replay to Langfuse through @lazytrace/langfuse's own `LangfuseExporter`: the same attribute
 * translation as a live app, its credential handling (the `LANGFUSE_*` keys reach Langfuse and
 * nothing else; `OTEL_EXPORTER_OTLP_HEADERS` never reach Langfuse), its span filter, and its
 * retries (429/502/503/504 by the OTel transport honouring `Retry-After`, other 5xx with backoff).
 */
export class LangfuseSender implements SpanSender {
  readonly target: string;
  private readonly exporter: LangfuseExporter;

  constructor(private readonly options: LangfuseOptions) {
    this.exporter = new LangfuseExporter(options);
    this.target = `${this.exporter.settings.baseUrl} (Langfuse, public key ${this.exporter.settings.publicKey})`;
  }

  send(spans: ReadableSpan[]): Promise<BatchOutcome> {
    const taken =
      this.options.exportAllSpans === true ? spans.length : spans.filter(isLangfuseRelevant).length;
    const skipped = spans.length - taken;
    return new Promise((resolve) => {
      this.exporter.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          resolve({ accepted: taken, rejected: 0, skipped });
          return;
        }
        const status = (result.error as { code?: unknown } | undefined)?.code;
        const aboutThisBatch = status === 400 || status === 413;
        resolve({
          accepted: 0,
          rejected: taken,
          skipped,
          error: describeFailure(result.error, this.exporter.settings.baseUrl),
          stop: !aboutThisBatch,
        });
      });
    });
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }
}

function describeFailure(error: Error | undefined, baseUrl: string): string {
  if (error === undefined) return `Langfuse at ${baseUrl} did not take the spans`;
  const status = (error as { code?: unknown }).code;
  const data = (error as { data?: unknown }).data;
  const message = errorMessage(error);
  if (typeof status === 'number') {
    const detail =
      typeof data === 'string' && data.length > 0 ? `: ${data.replace(/\s+/g, ' ').slice(0, 300)}` : '';
    return message.includes(String(status))
      ? `${message}${detail}`
      : `Langfuse at ${baseUrl} answered ${status}${detail}`;
  }
  // Network failures from the OTel transport name the socket error (ECONNREFUSED …).
  return message.startsWith('Langfuse') ? message : `cannot send to Langfuse at ${baseUrl}: ${message}`;
}

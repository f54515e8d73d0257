import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from '../env.js';

const decoder = new TextDecoder();

/**
 * Appends one OTLP/JSON `ExportTraceServiceRequest` per line to a local file: the same bytes an
 * OTLP/HTTP JSON exporter would send, so any OTLP tool can read the file back. Written
 * synchronously per batch, so what was flushed is on disk even if `process.exit()` follows.
 */
export class FileSpanExporter implements SpanExporter {
  readonly path: string;
  private stopped = false;

  constructor(path: string) {
    this.path = resolve(path);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
    } catch (error) {
      throw new ConfigError(
        `file backend: cannot create the directory of ${this.path}: ${(error as Error).message}`,
      );
    }
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('file exporter is shut down') });
      return;
    }
    try {
      const bytes = JsonTraceSerializer.serializeRequest(spans);
      if (bytes !== undefined) appendFileSync(this.path, `${decoder.decode(bytes)}\n`);
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

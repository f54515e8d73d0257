import { logWarning } from '@lazytrace/core';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPExporterBase, OTLPExporterError } from '@opentelemetry/otlp-exporter-base';
import {
  createOtlpHttpExportDelegate,
  httpAgentFactoryFromOptions,
} from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import {
  type LangfuseOptions,
  type LangfuseSettings,
  resolveLangfuseSettings,
  urlWithoutCredentials,
} from './settings.js';
import { isLangfuseRelevant, toLangfuseSpan } from './translate.js';
import { VERSION } from './version.js';

/** 500-class answers the OTel transport does not retry itself (it retries 429, 502, 503, 504). */
const EXTRA_RETRY_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 500;

class OtlpJsonTransport extends OTLPExporterBase<ReadableSpan[]> {}

/**
 * Sends spans to Langfuse's OTLP endpoint, translated to what the Langfuse server reads. A plain
 * OTel `SpanExporter`: use it in any NodeSDK, or as `initTracing`'s `langfuse` backend.
 *
 * The transport is OpenTelemetry's own OTLP/HTTP machinery (the delegate and JSON serializer
 * that `@opentelemetry/exporter-trace-otlp-http` is made of) configured explicitly, because that
 * exporter would also add `OTEL_EXPORTER_OTLP_HEADERS` — often another vendor's API key — to
 * requests sent to Langfuse.
 */
export class LangfuseExporter implements SpanExporter {
  readonly settings: Omit<LangfuseSettings, 'secretKey'>;
  private readonly transport: OtlpJsonTransport;
  private readonly config: LangfuseSettings;
  private authFailed = false;
  private readonly pending = new Set<Promise<void>>();
  /** Retries waiting for their backoff: cancelled (as failures) at shutdown, so none outlives it. */
  private readonly waitingRetries = new Map<ReturnType<typeof setTimeout>, () => void>();
  private stopped = false;

  constructor(options: LangfuseOptions = {}) {
    const config = resolveLangfuseSettings(options);
    this.config = config;
    const { secretKey: _secret, ...visible } = config;
    this.settings = Object.freeze(visible);
    const authorization = `Basic ${Buffer.from(`${config.publicKey}:${config.secretKey}`).toString('base64')}`;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Authorization: authorization,
      'x-langfuse-ingestion-version': '4',
      'x-langfuse-sdk-name': 'lazytrace',
      'x-langfuse-sdk-version': VERSION,
      'x-langfuse-public-key': config.publicKey,
    };
    this.transport = new OtlpJsonTransport(
      createOtlpHttpExportDelegate(
        {
          url: `${config.baseUrl}/api/public/otel/v1/traces`,
          headers: async () => headers,
          agentFactory: httpAgentFactoryFromOptions({ keepAlive: true }),
          timeoutMillis: config.timeoutMillis,
          concurrencyLimit: 32,
          compression: 'none',
          userAgent: `lazytrace-langfuse/${VERSION}`,
        },
        JsonTraceSerializer,
        'otlp_http_span_exporter',
        TraceExporterMetricsHelper,
        undefined,
      ),
    );
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let selected: ReadableSpan[];
    try {
      const relevant = this.config.exportAllSpans ? spans : spans.filter(isLangfuseRelevant);
      selected = relevant.map((span) => toLangfuseSpan(span, this.config));
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    if (selected.length === 0) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    if (this.stopped || this.authFailed) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error(
          this.stopped ? 'Langfuse exporter is shut down' : 'Langfuse rejected the credentials earlier',
        ),
      });
      return;
    }
    const sending = this.send(selected, 0).then(resultCallback);
    this.pending.add(sending);
    void sending.finally(() => this.pending.delete(sending));
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
    await this.transport.forceFlush();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const [timer, giveUp] of this.waitingRetries) {
      clearTimeout(timer);
      giveUp();
    }
    this.waitingRetries.clear();
    await this.forceFlush();
    await this.transport.shutdown();
  }

  private send(spans: ReadableSpan[], attempt: number): Promise<ExportResult> {
    return new Promise<ExportResult>((resolve) => this.transport.export(spans, resolve)).then((result) => {
      if (result.code === ExportResultCode.SUCCESS) return result;
      const status = result.error instanceof OTLPExporterError ? result.error.code : undefined;
      if (status === 401 || status === 403) {
        this.onAuthFailure(status);
        return { code: ExportResultCode.FAILED, error: this.authError(status) };
      }
      const failure: ExportResult = {
        code: ExportResultCode.FAILED,
        error: result.error ?? new Error('Langfuse export failed'),
      };
      if (status !== undefined && status >= 500 && attempt < EXTRA_RETRY_ATTEMPTS && !this.stopped) {
        const delay = FIRST_BACKOFF_MS * 2 ** attempt * (0.8 + Math.random() * 0.4);
        return new Promise<ExportResult>((resolve) => {
          const timer = setTimeout(() => {
            this.waitingRetries.delete(timer);
            resolve(this.stopped ? failure : this.send(spans, attempt + 1));
          }, delay);
          timer.unref();
          this.waitingRetries.set(timer, () => resolve(failure));
        });
      }
      return failure;
    });
  }

  /** Reported once, with what helps (where and which public key) and never the secret key. */
  private onAuthFailure(status: number): void {
    if (this.authFailed) return;
    this.authFailed = true;
    logWarning(
      `${this.authError(status).message} Further spans for Langfuse are dropped (counted) until restart.`,
    );
  }

  /** Marked `reported`: this exporter logged it once already, so whoever counts failures need not. */
  private authError(status: number): Error {
    const what = status === 401 ? 'rejected the credentials (401)' : 'refused access (403)';
    return Object.assign(
      new Error(
        `Langfuse at ${urlWithoutCredentials(this.config.baseUrl)} ${what} for public key ${this.config.publicKey}: check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL.`,
      ),
      { reported: true },
    );
  }
}

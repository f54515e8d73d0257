import { gzipSync } from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { errorMessage } from '../errors.js';
import { boundedFetch } from '../util/bounded-fetch.js';
import {
  type Attempt,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  withRetries,
} from '../util/retry.js';
import type { OtlpSettings } from './otlp-settings.js';
import type { BatchOutcome, SpanSender } from './sender.js';

interface Delivered {
  readonly rejected: number;
  readonly message?: string;
}

/**
 * OTLP/HTTP with OpenTelemetry's own serializers (JSON or protobuf, the bytes the OTel exporters
 * send), and a transport of our own around them so that replay can count: a partial success's
 * `rejectedSpans` is a count of spans not accepted (the OTel exporter only logs it), and every
 * 429/5xx and network failure is retried with backoff, waiting what `Retry-After` asks.
 */
export class OtlpSender implements SpanSender {
  readonly target: string;

  constructor(
    private readonly settings: OtlpSettings,
    private readonly retry: RetryPolicy,
    private readonly onRetry?: (message: string) => void,
  ) {
    this.target = settings.url;
  }

  async send(spans: ReadableSpan[]): Promise<BatchOutcome> {
    const serializer =
      this.settings.protocol === 'http/protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
    const bytes = serializer.serializeRequest(spans);
    if (bytes === undefined) {
      return { accepted: 0, rejected: spans.length, skipped: 0, error: 'the spans could not be serialized' };
    }
    const body = this.settings.compression === 'gzip' ? gzipSync(bytes) : bytes;
    const headers: Record<string, string> = {
      ...this.settings.headers,
      'Content-Type':
        this.settings.protocol === 'http/protobuf' ? 'application/x-protobuf' : 'application/json',
      'User-Agent': 'lazytrace-cli',
    };
    if (this.settings.compression === 'gzip') headers['Content-Encoding'] = 'gzip';

    const outcome = await withRetries<Delivered>(
      (attempt) => this.post(body, headers, serializer, attempt),
      this.retry,
      ({ attempt, delayMs, error }) =>
        this.onRetry?.(`${error.message}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)}s`),
    );
    if (outcome.ok) {
      const rejected = Math.min(outcome.value.rejected, spans.length);
      return {
        accepted: spans.length - rejected,
        rejected,
        skipped: 0,
        ...(rejected > 0
          ? {
              error: `partial success: ${rejected} rejected${outcome.value.message ? ` (${outcome.value.message})` : ''}`,
            }
          : {}),
      };
    }
    // A 400-class answer is about this batch; anything else (down, refused, retries spent) is not.
    const status = (outcome.error as { status?: number }).status;
    const aboutThisBatch =
      status !== undefined &&
      status >= 400 &&
      status < 500 &&
      status !== 401 &&
      status !== 403 &&
      status !== 404 &&
      status !== 429;
    return {
      accepted: 0,
      rejected: spans.length,
      skipped: 0,
      error: outcome.error.message,
      stop: !aboutThisBatch,
    };
  }

  async shutdown(): Promise<void> {}

  private async post(
    body: Uint8Array,
    headers: Record<string, string>,
    serializer: typeof JsonTraceSerializer,
    _attempt: number,
  ): Promise<Attempt<Delivered>> {
    const reached = await boundedFetch(
      this.settings.url,
      { method: 'POST', headers, body },
      this.settings.timeoutMillis,
      this.retry.signal,
      (timedOut, error) =>
        new Error(
          timedOut
            ? `no answer from ${this.settings.url} within ${this.settings.timeoutMillis}ms`
            : `cannot reach ${this.settings.url}: ${errorMessage(error)}`,
        ),
    );
    if (!reached.ok) return reached;
    const response = reached.response;
    const answer = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (response.ok) {
      if (answer.length === 0) return { ok: true, value: { rejected: 0 } };
      try {
        const parsed = serializer.deserializeResponse(answer);
        const partial = parsed.partialSuccess;
        return {
          ok: true,
          value: {
            rejected: Number(partial?.rejectedSpans ?? 0) || 0,
            message: partial?.errorMessage || undefined,
          },
        };
      } catch {
        // A 2xx whose body is not an ExportTraceServiceResponse: the spans were still taken.
        return { ok: true, value: { rejected: 0 } };
      }
    }
    const detail = shortBody(answer);
    const error = Object.assign(
      new Error(`${this.settings.url} answered ${response.status}${detail ? `: ${detail}` : ''}`),
      { status: response.status },
    );
    return {
      ok: false,
      error,
      retryable: isRetryableStatus(response.status),
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    };
  }
}

/** The server's own words, short: a JSON `message`/`error`, else the text, one line. */
function shortBody(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  const text = new TextDecoder().decode(bytes.subarray(0, 2000));
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = parsed.message ?? parsed.error;
    if (typeof message === 'string') return message.slice(0, 300);
  } catch {
    // not JSON
  }
  // Protobuf or binary bodies say nothing readable.
  if (hasControlCharacters(text)) return '';
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x09 || (c > 0x0d && c < 0x20)) return true;
  }
  return false;
}

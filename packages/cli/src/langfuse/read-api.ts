import { CliError, errorMessage } from '../errors.js';
import { boundedFetch } from '../util/bounded-fetch.js';
import {
  type Attempt,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  withRetries,
} from '../util/retry.js';
import { type LangfuseObservation, normalizeObservation } from './observation.js';

export interface LangfuseReadSettings {
  readonly baseUrl: string;
  readonly publicKey: string;
  readonly secretKey: string;
  readonly timeoutMillis: number;
}

/** Everything v2 can say about an observation (without `fields` only core and basic come back). */
const V2_FIELDS = 'core,basic,time,io,metadata,model,usage,metrics,trace_context';
const PAGE_LIMIT = 1000;
/** A trace this large is read as far as this and reported as cut. */
const MAX_PAGES = 200;

export interface TraceRead {
  readonly source: 'observations-v2' | 'trace';
  readonly observations: LangfuseObservation[];
}

class HttpStatusError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Reads a trace back from Langfuse's public API: observations v2 with cursor pagination, else
 * (a server before v4 answers 404/405 there) the trace endpoint. Basic auth with the project's
 * keys; errors name the URL and the public key, never the secret.
 */
export class LangfuseReader {
  private readonly authorization: string;

  constructor(
    private readonly settings: LangfuseReadSettings,
    private readonly retry: RetryPolicy,
    private readonly onRetry?: (message: string) => void,
  ) {
    this.authorization = `Basic ${Buffer.from(`${settings.publicKey}:${settings.secretKey}`).toString('base64')}`;
  }

  async readTrace(traceId: string): Promise<TraceRead> {
    const v2 = await this.readObservationsV2(traceId);
    if (v2 !== undefined) return { source: 'observations-v2', observations: v2 };
    return { source: 'trace', observations: await this.readTraceEndpoint(traceId) };
  }

  /** Undefined when the server has no v2 endpoint (404/405 on the first page). */
  private async readObservationsV2(traceId: string): Promise<LangfuseObservation[] | undefined> {
    const observations: LangfuseObservation[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({
        traceId,
        fields: V2_FIELDS,
        // Metadata values over 200 characters come back cut unless named here.
        expandMetadata: 'attributes,resourceAttributes',
        limit: String(PAGE_LIMIT),
      });
      if (cursor !== undefined) query.set('cursor', cursor);
      let body: unknown;
      try {
        body = await this.get(`/api/public/v2/observations?${query}`);
      } catch (error) {
        if (
          page === 0 &&
          error instanceof HttpStatusError &&
          (error.status === 404 || error.status === 405)
        ) {
          return undefined;
        }
        throw error;
      }
      const { data, meta } = (body ?? {}) as { data?: unknown; meta?: { cursor?: unknown } };
      if (!Array.isArray(data)) {
        throw new CliError(
          `${this.settings.baseUrl}/api/public/v2/observations answered without a data list`,
        );
      }
      for (const raw of data) {
        const observation = normalizeObservation(raw);
        if (observation !== undefined) observations.push(observation);
      }
      cursor = typeof meta?.cursor === 'string' && meta.cursor.length > 0 ? meta.cursor : undefined;
      if (cursor === undefined || data.length === 0) return observations;
    }
    throw new CliError(
      `trace ${traceId} has more than ${MAX_PAGES * PAGE_LIMIT} observations; not read further`,
    );
  }

  private async readTraceEndpoint(traceId: string): Promise<LangfuseObservation[]> {
    let body: unknown;
    try {
      body = await this.get(`/api/public/traces/${encodeURIComponent(traceId)}`);
    } catch (error) {
      // Not there (yet): the caller decides whether to wait for ingestion.
      if (error instanceof HttpStatusError && error.status === 404) return [];
      throw error;
    }
    const trace = (body ?? {}) as { observations?: unknown };
    if (!Array.isArray(trace.observations)) return [];
    return trace.observations
      .map((raw) => normalizeObservation(raw, trace as Parameters<typeof normalizeObservation>[1], true))
      .filter((o): o is LangfuseObservation => o !== undefined);
  }

  private async get(path: string): Promise<unknown> {
    const url = `${this.settings.baseUrl}${path}`;
    const outcome = await withRetries<unknown>(
      () => this.attempt(url),
      this.retry,
      ({ attempt, delayMs, error }) =>
        this.onRetry?.(`${error.message}; retry ${attempt} in ${(delayMs / 1000).toFixed(1)}s`),
    );
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  private async attempt(url: string): Promise<Attempt<unknown>> {
    const where = `Langfuse at ${this.settings.baseUrl}`;
    const reached = await boundedFetch(
      url,
      {
        headers: {
          Authorization: this.authorization,
          Accept: 'application/json',
          'User-Agent': 'lazytrace-cli',
        },
      },
      this.settings.timeoutMillis,
      this.retry.signal,
      (timedOut, error) =>
        new CliError(
          timedOut
            ? `${where} did not answer within ${this.settings.timeoutMillis}ms`
            : `cannot reach ${where}: ${errorMessage(error)}`,
        ),
    );
    if (!reached.ok) return reached;
    const response = reached.response;
    const text = await response.text().catch(() => '');
    if (response.status === 401 || response.status === 403) {
      const what = response.status === 401 ? 'rejected the credentials (401)' : 'refused access (403)';
      return {
        ok: false,
        retryable: false,
        error: new CliError(
          `${where} ${what} for public key ${this.settings.publicKey}: check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL`,
        ),
      };
    }
    if (!response.ok) {
      const detail = shortMessage(text);
      return {
        ok: false,
        retryable: isRetryableStatus(response.status),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        error: new HttpStatusError(
          `${where} answered ${response.status} for ${new URL(url).pathname}${detail ? `: ${detail}` : ''}`,
          response.status,
        ),
      };
    }
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return {
        ok: false,
        retryable: false,
        error: new CliError(`${where} answered with something that is not JSON (${new URL(url).pathname})`),
      };
    }
  }
}

function shortMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = parsed.message ?? parsed.error;
    if (typeof message === 'string') return message.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

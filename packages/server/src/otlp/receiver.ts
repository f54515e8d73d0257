import type { IncomingMessage } from 'node:http';
import { fromOtlpRequest } from '@lazytrace/traces';
import { IngestBusyError, type IngestQueue } from '../store/ingest-queue.js';
import { BodyError, ClientGoneError, decodeContent, readBody } from './body.js';
import { decodeExportRequest, encodeExportResponse, encodeRpcStatus } from './protobuf.js';

/** gRPC status codes used in `google.rpc.Status` bodies (OTLP/HTTP answers failures with one). */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;

export interface ReceiverOptions {
  /** Largest accepted body, after decompression, in bytes. */
  maxBodyBytes: number;
}

export interface OtlpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

type Format = 'json' | 'protobuf';

function formatOf(contentType: string | undefined): Format | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  return undefined;
}

function failure(format: Format, status: number, code: number, message: string): OtlpAnswer {
  if (format === 'protobuf') {
    return {
      status,
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRpcStatus(code, message),
    };
  }
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, message }) };
}

/** Spans the request carries, valid or not (for `rejectedSpans`). */
function countSpans(request: unknown): number {
  let count = 0;
  const resourceSpans = (request as { resourceSpans?: unknown })?.resourceSpans;
  if (!Array.isArray(resourceSpans)) return 0;
  for (const rs of resourceSpans) {
    const scopeSpans = (rs as { scopeSpans?: unknown })?.scopeSpans;
    if (!Array.isArray(scopeSpans)) continue;
    for (const ss of scopeSpans) {
      const spans = (ss as { spans?: unknown })?.spans;
      if (Array.isArray(spans)) count += spans.length;
    }
  }
  return count;
}

/**
 * `POST /v1/traces` as the OTLP/HTTP specification says: JSON or protobuf (the answer in the
 * request's encoding), gzip or not; 200 with an `ExportTraceServiceResponse` (with
 * `partialSuccess` when some spans were invalid) only once the spans are stored; 400 with a
 * `google.rpc.Status` for a body that cannot be decoded; 413 over the size limit; 415 for another
 * content type; 503 (retryable, `Retry-After`) when the store is busy or failing.
 */
export async function receiveTraces(
  incoming: IncomingMessage,
  queue: IngestQueue,
  options: ReceiverOptions,
): Promise<OtlpAnswer | undefined> {
  const format = formatOf(incoming.headers['content-type']);
  if (format === undefined) {
    incoming.resume();
    return failure(
      'json',
      415,
      INVALID_ARGUMENT,
      `unsupported Content-Type "${incoming.headers['content-type'] ?? ''}": send application/json or application/x-protobuf`,
    );
  }
  let request: unknown;
  try {
    const raw = await readBody(incoming, options.maxBodyBytes);
    const body = await decodeContent(raw, incoming.headers['content-encoding'], options.maxBodyBytes);
    if (format === 'json') {
      try {
        request = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch (error) {
        return failure(
          format,
          400,
          INVALID_ARGUMENT,
          `request body is not valid JSON: ${(error as Error).message}`,
        );
      }
      if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        return failure(
          format,
          400,
          INVALID_ARGUMENT,
          'request body is not an ExportTraceServiceRequest object',
        );
      }
      const rs = (request as { resourceSpans?: unknown }).resourceSpans;
      if (rs !== undefined && rs !== null && !Array.isArray(rs)) {
        return failure(format, 400, INVALID_ARGUMENT, 'resourceSpans must be an array');
      }
    } else {
      try {
        request = decodeExportRequest(body);
      } catch (error) {
        return failure(
          format,
          400,
          INVALID_ARGUMENT,
          `request body is not a protobuf ExportTraceServiceRequest: ${(error as Error).message}`,
        );
      }
    }
  } catch (error) {
    if (error instanceof ClientGoneError) return undefined;
    if (error instanceof BodyError) {
      const answer = failure(
        format,
        error.status,
        error.status === 413 ? RESOURCE_EXHAUSTED : INVALID_ARGUMENT,
        error.message,
      );
      if (error.status === 413) answer.headers.connection = 'close';
      return answer;
    }
    throw error;
  }

  let spans: ReturnType<typeof fromOtlpRequest>;
  try {
    spans = fromOtlpRequest(request);
  } catch (error) {
    return failure(
      format,
      400,
      INVALID_ARGUMENT,
      `invalid ExportTraceServiceRequest: ${(error as Error).message}`,
    );
  }
  const total = countSpans(request);
  try {
    await queue.submit(spans);
  } catch (error) {
    const answer = failure(
      format,
      503,
      UNAVAILABLE,
      error instanceof IngestBusyError
        ? error.message
        : `the trace store failed: ${(error as Error).message}`,
    );
    answer.headers['retry-after'] = '1';
    return answer;
  }
  const rejected = Math.max(0, total - spans.length);
  const partial =
    rejected === 0
      ? undefined
      : {
          rejectedSpans: rejected,
          errorMessage: `${rejected} span(s) rejected: missing or invalid trace id, span id or times`,
        };
  if (format === 'protobuf') {
    return {
      status: 200,
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeExportResponse(partial),
    };
  }
  const json =
    partial === undefined
      ? {}
      : {
          partialSuccess: {
            rejectedSpans: String(partial.rejectedSpans),
            errorMessage: partial.errorMessage,
          },
        };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) };
}

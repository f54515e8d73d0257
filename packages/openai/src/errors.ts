import { attributes as A } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';
import * as O from './attributes.js';

/**
 * What an SDK error tells about the failed request: the HTTP status, OpenAI's error code and
 * type, and the request id (`x-request-id`, what OpenAI's support asks for). `error.type` is the
 * error's class (`RateLimitError`, `APIConnectionError` …): the SDK's classes all carry the name
 * `Error`, which would say nothing.
 */
export function errorAttributes(error: unknown): Attributes {
  const attributes: Attributes = {};
  if (error === null || typeof error !== 'object') return attributes;
  const e = error as {
    status?: unknown;
    code?: unknown;
    type?: unknown;
    requestID?: unknown;
    headers?: { get?: (name: string) => string | null };
    constructor?: { name?: unknown };
  };
  if (typeof e.status === 'number') attributes[O.HTTP_RESPONSE_STATUS_CODE] = e.status;
  if (typeof e.code === 'string' || typeof e.code === 'number')
    attributes[O.OPENAI_ERROR_CODE] = String(e.code);
  if (typeof e.type === 'string') attributes[O.OPENAI_ERROR_TYPE] = e.type;
  let requestId = e.requestID;
  if (typeof requestId !== 'string') {
    try {
      requestId = e.headers?.get?.('x-request-id');
    } catch {
      requestId = undefined;
    }
  }
  if (typeof requestId === 'string' && requestId !== '') attributes[O.OPENAI_REQUEST_ID] = requestId;
  const className = e.constructor?.name;
  if (typeof className === 'string' && className !== '' && className !== 'Object') {
    attributes[A.ATTR_ERROR_TYPE] = className;
  }
  return attributes;
}

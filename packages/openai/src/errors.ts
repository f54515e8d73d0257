import { attributes as A, REDACTED } from '@lazytrace/core';
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

/**
 * Credentials as they show up in provider error text: OpenAI secret keys (`sk-…`, `sk-proj-…`,
 * `sk-svcacct-…`, also as OpenAI echoes them half-starred: "Incorrect API key provided:
 * sk-abc1*****wxyz"), and bearer tokens (a proxy echoing the `Authorization` header; the
 * scheme's name is case-insensitive, `authorization: bearer …` as often as `Bearer …`).
 */
const SECRET_TOKENS = /\bsk-[A-Za-z0-9_*-]{4,}|\b([Bb][Ee][Aa][Rr][Ee][Rr]\s+)[A-Za-z0-9._~+/*-]+=*/g;

/** `text` with every key-looking token replaced by `[REDACTED]`, the rest kept. */
function redactSecrets(text: string): string {
  SECRET_TOKENS.lastIndex = 0;
  if (!SECRET_TOKENS.test(text)) return text;
  return text.replace(SECRET_TOKENS, (_token: string, bearer: string | undefined) =>
    bearer === undefined ? REDACTED : `${bearer}${REDACTED}`,
  );
}

/**
 * What the span records of `error` (status message, exception message and stack): the error
 * itself, or, when its message or stack carries a key-looking token, a stand-in with the same
 * prototype (class, name) whose message and stack have the tokens redacted. The caller's error is
 * never touched: only core, ending the span, sees the stand-in. Applied before the user's `mask`,
 * which still sees every recorded message.
 */
export function recordedError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  let message: string;
  let stack: unknown;
  try {
    message = error.message;
    stack = error.stack;
  } catch {
    return error;
  }
  if (typeof message !== 'string') return error;
  const safeMessage = redactSecrets(message);
  const safeStack = typeof stack === 'string' ? redactSecrets(stack) : stack;
  if (safeMessage === message && safeStack === stack) return error;
  const standIn = Object.create(Object.getPrototypeOf(error) as object) as Error;
  Object.defineProperty(standIn, 'message', { value: safeMessage, writable: true, configurable: true });
  Object.defineProperty(standIn, 'stack', { value: safeStack, writable: true, configurable: true });
  if (Object.hasOwn(error, 'name')) {
    Object.defineProperty(standIn, 'name', { value: error.name, writable: true, configurable: true });
  }
  return standIn;
}

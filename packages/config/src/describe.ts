import type { Backend } from './backends/backend.js';

/** What `describeTracing()` shows: the effective settings, never a secret. */
export interface TracingDescription {
  readonly enabled: boolean;
  readonly provider: 'global' | 'isolated' | 'none';
  readonly serviceName: string | undefined;
  readonly sampleRate: number;
  readonly exportMode: 'batched' | 'immediate';
  readonly captureContent: boolean;
  readonly maxContentChars: number;
  readonly flushTimeoutMs: number;
  readonly backends: readonly Readonly<Record<string, unknown>>[];
}

export const REDACTED = 'REDACTED';

/** Names whose values are secrets: in URL query parameters and in backend descriptions. */
const SECRET_NAME =
  /(key|token|secret|passw(or)?d|pwd|auth|signature|^sig$|credential|cookie|session|private|bearer)/i;

/** Named like a secret, but meant to be shown (Langfuse's public key identifies the project). */
const PUBLIC_NAME = /^public[-_]?key$/i;

/**
 * A backend's description as `describeTracing()` shows it. Backends describe themselves without
 * secrets, but a URL may carry them (`https://user:pass@host`, `?api_key=…`), and a custom
 * backend may describe anything: URLs lose their credentials, secret-looking keys their values.
 */
export function describeBackend(backend: Backend): Readonly<Record<string, unknown>> {
  return Object.freeze({
    name: backend.name,
    ...(redactValue(backend.description ?? {}, 0) as Record<string, unknown>),
  });
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return Object.freeze(value.map((v) => redactValue(v, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const secret =
      SECRET_NAME.test(key) && !PUBLIC_NAME.test(key) && v !== undefined && typeof v !== 'boolean';
    out[key] = secret ? REDACTED : redactValue(v, depth + 1);
  }
  return Object.freeze(out);
}

/** A URL without its password (or a lone user name, often a token) and secret query values. */
export function redactUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not parseable, still possibly carrying credentials: cut them out by shape.
    return text
      .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${REDACTED}@`)
      .replace(
        /([?&][^=&#]*(?:key|token|secret|passw(?:or)?d|pwd|auth|sig)[^=&#]*=)[^&#]*/gi,
        `$1${REDACTED}`,
      );
  }
  let changed = false;
  if (url.password !== '') {
    url.password = REDACTED;
    changed = true;
  } else if (url.username !== '') {
    url.username = REDACTED;
    changed = true;
  }
  for (const name of [...new Set(url.searchParams.keys())]) {
    if (SECRET_NAME.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? url.toString() : text;
}

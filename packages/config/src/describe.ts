import { ProxyTracerProvider, trace } from '@opentelemetry/api';
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
  /** How spans are kept or dropped (see the README, "Sampling beside your own SDK"). */
  readonly sampler: SamplerDescription;
}

export interface SamplerDescription {
  /** The share of new traces lazytrace keeps at a root (`sampleRate`). */
  readonly rate: number;
  /**
   * Always true: under a parent span, its sampling decision holds, so traces are kept or dropped
   * whole (`setTrace({ sampled: true })` keeps a request whatever the decision).
   */
  readonly followsParent: true;
  /**
   * Beside an application's own provider (`provider: 'isolated'`): the sampler of that provider,
   * as it describes itself (`ParentBased{root=TraceIdRatioBased{0.1}, …}`), or `unknown`. Its
   * decision on the application's spans is inherited by lazytrace's spans below them: an
   * application span sampled out takes lazytrace's spans under it along, whatever `sampleRate`.
   */
  readonly inherited?: string;
}

/** The sampler description, reading the application's sampler when lazytrace runs beside it. */
export function describeSampler(rate: number, provider: TracingDescription['provider']): SamplerDescription {
  if (provider !== 'isolated') return Object.freeze({ rate, followsParent: true });
  return Object.freeze({ rate, followsParent: true, inherited: applicationSampler() });
}

/**
 * The registered provider's sampler. The OTel SDK (2.x and 3.x lines alike) keeps it on each
 * tracer as `_sampler`, a private field: read defensively, `unknown` when it is not there.
 */
function applicationSampler(): string {
  try {
    const registered = trace.getTracerProvider();
    const provider = registered instanceof ProxyTracerProvider ? registered.getDelegate() : registered;
    const sampler = (provider.getTracer('@lazytrace/config') as { _sampler?: unknown })._sampler;
    if (sampler !== null && typeof sampler === 'object') return String(sampler);
  } catch {
    // A provider that throws here says nothing about its sampler.
  }
  return 'unknown';
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
    return redactText(text);
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

/**
 * Any text (an error message) with the credentials of the URLs in it cut out by shape. The user
 * part runs to the URL's last `@` before its path: a password may hold a raw `@`.
 */
export function redactText(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi, `$1${REDACTED}@`)
    .replace(
      /([?&][^=&#\s]*(?:key|token|secret|passw(?:or)?d|pwd|auth|sig)[^=&#\s]*=)[^&#\s]*/gi,
      `$1${REDACTED}`,
    );
}

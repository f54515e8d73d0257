import { timerDelay } from '@lazytrace/core/internal';
/** Where and as whom to send: from options, else the `LANGFUSE_*` variables. */
export interface LangfuseOptions {
  /** Default `LANGFUSE_PUBLIC_KEY`. */
  readonly publicKey?: string;
  /** Default `LANGFUSE_SECRET_KEY`. */
  readonly secretKey?: string;
  /** Default `LANGFUSE_BASE_URL`, else `LANGFUSE_HOST`, else `https://cloud.langfuse.com`. */
  readonly baseUrl?: string;
  /** Default `LANGFUSE_TRACING_ENVIRONMENT`. Lower-case letters, digits, `_` and `-`. */
  readonly environment?: string;
  /** Default `LANGFUSE_RELEASE`. */
  readonly release?: string;
  /** Send every span, not only lazytrace and `gen_ai.*` spans. Default false. */
  readonly exportAllSpans?: boolean;
  /** Per export request, retries included. Default 10000. */
  readonly timeoutMillis?: number;
  /** Variables to read instead of `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LangfuseSettings {
  readonly publicKey: string;
  readonly secretKey: string;
  readonly baseUrl: string;
  readonly environment: string | undefined;
  readonly release: string | undefined;
  readonly exportAllSpans: boolean;
  readonly timeoutMillis: number;
}

export const DEFAULT_BASE_URL = 'https://cloud.langfuse.com';

/** A Langfuse setting is missing or malformed. The message names the option and the variable. */
export class LangfuseConfigError extends Error {
  override readonly name = 'LangfuseConfigError';
}

const KNOWN = new Set([
  'publicKey',
  'secretKey',
  'baseUrl',
  'environment',
  'release',
  'exportAllSpans',
  'timeoutMillis',
  'env',
]);

export function resolveLangfuseSettings(options: LangfuseOptions = {}): LangfuseSettings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `Langfuse: options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key))
      throw new TypeError(`Langfuse: unknown option "${key}" (known: ${[...KNOWN].join(', ')})`);
  }
  const env = options.env ?? process.env;
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const publicKey = pick(options.publicKey, 'publicKey', read('LANGFUSE_PUBLIC_KEY'));
  const secretKey = pick(options.secretKey, 'secretKey', read('LANGFUSE_SECRET_KEY'));
  if (publicKey === undefined) {
    throw new LangfuseConfigError(
      'Langfuse: no public key: set LANGFUSE_PUBLIC_KEY or the "publicKey" option',
    );
  }
  if (secretKey === undefined) {
    throw new LangfuseConfigError(
      'Langfuse: no secret key: set LANGFUSE_SECRET_KEY or the "secretKey" option',
    );
  }
  const baseUrlSource =
    options.baseUrl !== undefined
      ? 'option "baseUrl"'
      : read('LANGFUSE_BASE_URL') !== undefined
        ? 'LANGFUSE_BASE_URL'
        : 'LANGFUSE_HOST';
  const baseUrl = checkBaseUrl(
    pick(options.baseUrl, 'baseUrl', read('LANGFUSE_BASE_URL') ?? read('LANGFUSE_HOST')) ?? DEFAULT_BASE_URL,
    baseUrlSource,
  );
  const environment = pick(options.environment, 'environment', read('LANGFUSE_TRACING_ENVIRONMENT'));
  if (
    environment !== undefined &&
    (!/^[a-z0-9_-]+$/.test(environment) || environment.startsWith('langfuse'))
  ) {
    throw new LangfuseConfigError(
      `Langfuse: environment ${JSON.stringify(environment)} (option "environment" or LANGFUSE_TRACING_ENVIRONMENT) must use only a-z, 0-9, _ and -, and not start with "langfuse"`,
    );
  }
  const release = pick(options.release, 'release', read('LANGFUSE_RELEASE'));
  if (options.exportAllSpans !== undefined && typeof options.exportAllSpans !== 'boolean') {
    throw new TypeError('Langfuse: "exportAllSpans" must be a boolean');
  }
  const givenTimeout = options.timeoutMillis ?? 10_000;
  if (!Number.isInteger(givenTimeout) || givenTimeout <= 0) {
    throw new TypeError(
      `Langfuse: "timeoutMillis" must be a positive integer, got ${String(options.timeoutMillis)}`,
    );
  }
  // At most what a Node timer keeps: a longer export timeout would fail every export at once.
  const timeoutMillis = timerDelay(givenTimeout);
  return {
    publicKey,
    secretKey,
    baseUrl,
    environment,
    release,
    exportAllSpans: options.exportAllSpans ?? false,
    timeoutMillis,
  };
}

function pick(option: unknown, name: string, fallback: string | undefined): string | undefined {
  if (option === undefined) return fallback;
  if (typeof option !== 'string' || option.trim() === '') {
    throw new TypeError(`Langfuse: "${name}" must be a non-empty string`);
  }
  return option.trim();
}

function checkBaseUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LangfuseConfigError(
      `Langfuse: base URL ${JSON.stringify(urlWithoutCredentials(value))} (${source}) is not a valid URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LangfuseConfigError(
      `Langfuse: base URL ${JSON.stringify(urlWithoutCredentials(value))} (${source}) must be http:// or https://`,
    );
  }
  return value.replace(/\/+$/, '');
}

/**
 * A URL as warnings and errors show it: without its user part (`https://user:pass@proxy/…`, the
 * credentials of a proxy in front of Langfuse), cut by shape so that an unparseable one loses it too.
 */
export function urlWithoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

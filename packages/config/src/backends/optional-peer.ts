import { createRequire } from 'node:module';
import { ConfigError } from '../env.js';

/**
 * Loads an optional peer package (`@lazytrace/langfuse`) when a configured backend needs it, and
 * not before: an application that never names the backend never installs or loads the package.
 *
 * Synchronous on purpose: `initTracing` builds everything before it changes anything, so a
 * missing package throws there and leaves the process as it was.
 *
 * A copy the application already loaded comes first: each optional peer publishes its exports under
 * `Symbol.for(<package name>)` when it is imported, so an ESM application that imported
 * `@lazytrace/langfuse` itself (for its own NodeSDK) shares that copy instead of `require` loading
 * the CommonJS build beside it.
 */
export function loadOptionalPeer<T>(specifier: string, backend: string): T {
  const published = (globalThis as Record<symbol, unknown>)[Symbol.for(specifier)];
  if (published !== undefined) return published as T;
  try {
    return requireFromHere()(specifier) as T;
  } catch (error) {
    if (isNotFound(error, specifier)) {
      throw new ConfigError(
        `backend "${backend}" needs the package ${specifier}, which is not installed: run \`npm install ${specifier}\``,
      );
    }
    throw error;
  }
}

let required: NodeJS.Require | undefined;

function requireFromHere(): NodeJS.Require {
  required ??= createRequire(import.meta.url);
  return required;
}

/** `MODULE_NOT_FOUND` for the package itself, not for something the package failed to find. */
function isNotFound(error: unknown, specifier: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    e !== null &&
    typeof e === 'object' &&
    (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(`'${specifier}'`)
  );
}

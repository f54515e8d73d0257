/**
 * Process-wide state lives in one map on `globalThis`, so that the ESM and CJS builds of this
 * package (both can be loaded in one process) share one registry, like `@opentelemetry/api` does.
 */
const KEY = Symbol.for('@lazytrace/core/singletons/v1');
type GlobalWithSingletons = typeof globalThis & { [KEY]?: Map<string, unknown> };

export function sharedSingleton<T>(name: string, create: () => T): T {
  const g = globalThis as GlobalWithSingletons;
  let map = g[KEY];
  if (map === undefined) {
    map = new Map();
    g[KEY] = map;
  }
  let value = map.get(name) as T | undefined;
  if (value === undefined) {
    value = create();
    map.set(name, value);
  }
  return value;
}

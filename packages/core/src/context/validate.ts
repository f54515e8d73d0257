import { typeName } from '../invocation.js';
import { describeError, logWarning } from '../logger.js';
import type { ModuleSwitch, ModuleSwitches, TraceContext, TraceContextPatch } from './types.js';

/** Every key a trace context may have (what is validated, and what tests try bad values on). */
export const TRACE_CONTEXT_KEYS: readonly (keyof TraceContext)[] = [
  'enabled',
  'sessionId',
  'userId',
  'tags',
  'captureContent',
  'traceName',
  'metadata',
  'sampled',
  'modules',
];

/**
 * What to do with a value that is neither right nor unambiguously convertible: `throw` for
 * start-up configuration in code (`initTracing`), `drop` on the request path (`setTrace`,
 * `withTrace`), where telemetry must never fail the business call.
 */
export type InvalidValuePolicy = 'throw' | 'drop';

/** Fields already warned about (one warning per field, whatever the number of requests). */
const warned = new Set<string>();
/** Unknown keys are named by the caller's code; the set of warnings stays bounded anyway. */
const MAX_WARNED = 200;

/** @internal Forgets which fields were warned about (tests). */
export function resetValidationWarnings(): void {
  warned.clear();
}

class Reader {
  constructor(
    private readonly fnName: string,
    readonly policy: InvalidValuePolicy,
  ) {}

  /** A wrong value for `path` (warned once per `field`, the path's family). */
  invalid(field: string, path: string, expected: string, got: unknown): void {
    this.problem(field, `"${path}" must be ${expected}, got ${typeName(got)}`);
  }

  problem(field: string, message: string): void {
    if (this.policy === 'throw') throw new TypeError(`${this.fnName}: ${message}`);
    if (warned.has(field) || warned.size >= MAX_WARNED) return;
    warned.add(field);
    logWarning(
      `${this.fnName}: ${message}; the value was ignored (further problems with "${field}" are not logged)`,
    );
  }

  /** A string field: numbers and bigints become strings; a one-element array is its element. */
  string(field: string, value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (Array.isArray(value) && value.length === 1 && value[0] !== null && value[0] !== undefined) {
      return this.string(field, value[0]);
    }
    this.invalid(
      field,
      field,
      Array.isArray(value) ? 'a string (an array of several values is ambiguous)' : 'a string',
      value,
    );
    return undefined;
  }

  boolean(field: string, value: unknown): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.invalid(field, field, 'a boolean', value);
    return undefined;
  }

  tags(value: unknown): readonly string[] | undefined {
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list)) {
      this.invalid('tags', 'tags', 'an array of strings', value);
      return undefined;
    }
    const tags: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const tag: unknown = list[i];
      if (tag === null || tag === undefined) continue;
      if (typeof tag === 'string') tags.push(tag);
      else if (typeof tag === 'number' || typeof tag === 'bigint') tags.push(String(tag));
      else this.invalid('tags', `tags[${i}]`, 'a string', tag);
    }
    return Object.freeze([...new Set(tags)]);
  }

  metadata(value: unknown): Readonly<Record<string, string>> | undefined {
    if (!isPlainRecord(value)) {
      this.invalid('metadata', 'metadata', 'an object of strings', value);
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') setOwn(out, key, v);
      else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
        setOwn(out, key, String(v));
      else this.invalid('metadata', `metadata.${key}`, 'a string', v);
    }
    return Object.freeze(out);
  }

  modules(value: unknown): ModuleSwitches | undefined {
    if (!isPlainRecord(value)) {
      this.invalid('modules', 'modules', 'an object { byName?, byClass?, byKind? }', value);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [group, switches] of Object.entries(value)) {
      if (group !== 'byName' && group !== 'byClass' && group !== 'byKind') {
        this.problem(
          `modules.${group}`,
          `unknown key "modules.${group}" (known keys: byName, byClass, byKind)`,
        );
        continue;
      }
      if (switches === undefined || switches === null) continue;
      const field = `modules.${group}`;
      if (!isPlainRecord(switches)) {
        this.invalid(field, field, 'an object', switches);
        continue;
      }
      const table: Record<string, ModuleSwitch> = {};
      for (const [key, sw] of Object.entries(switches)) {
        const checked = this.moduleSwitch(field, `${field}.${key}`, sw);
        if (checked !== undefined) setOwn(table, key, checked);
      }
      out[group] = Object.freeze(table);
    }
    return Object.freeze(out) as ModuleSwitches;
  }

  private moduleSwitch(field: string, path: string, value: unknown): ModuleSwitch | undefined {
    if (typeof value === 'boolean') return value;
    if (value === null || value === undefined) return undefined;
    if (!isPlainRecord(value)) {
      this.invalid(field, path, 'a boolean or { enabled?, captureContent? }', value);
      return undefined;
    }
    const out: { enabled?: boolean; captureContent?: boolean } = {};
    for (const [key, v] of Object.entries(value)) {
      if (key !== 'enabled' && key !== 'captureContent') {
        this.problem(field, `unknown key "${path}.${key}" (known keys: enabled, captureContent)`);
        continue;
      }
      if (v === null || v === undefined) continue;
      if (typeof v === 'boolean') out[key] = v;
      else this.invalid(field, `${path}.${key}`, 'a boolean', v);
    }
    return Object.freeze(out);
  }
}

/** Defines `key` as an own property, also `__proto__` (a plain assignment would set the prototype). */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Objects that are never a configuration, though they are objects: a promise (an `async`
 * function used where the settings are expected), a Map or Set (the settings are its entries,
 * not its properties).
 */
function notAConfiguration(value: Record<string, unknown>): string | undefined {
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (typeof value.then === 'function') return 'a promise (the settings must be given, not awaited)';
  return undefined;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads a trace configuration into a frozen copy. What is unambiguous is converted (numbers and
 * bigints where a string is expected, a one-element array for a single value, a single string
 * for `tags`); `null` and `undefined` mean "not set". Anything else is, by `policy`, a
 * `TypeError` naming the field or dropped with one warning per field.
 */
export function readTraceContext(
  config: unknown,
  fnName: string,
  policy: InvalidValuePolicy,
): TraceContextPatch {
  if (policy === 'throw') return readWith(config, new Reader(fnName, policy));
  const reader = new Reader(fnName, policy);
  try {
    return readWith(config, reader);
  } catch (error) {
    // A getter or Proxy trap of the caller's object threw: on the request path that must not
    // fail the call; the configuration is ignored.
    reader.problem('(configuration)', `reading the configuration threw (${describeError(error)})`);
    return EMPTY;
  }
}

function readWith(config: unknown, reader: Reader): TraceContextPatch {
  const policy = reader.policy;
  if (config === undefined || (config === null && policy === 'drop')) return EMPTY;
  if (!isPlainRecord(config)) {
    reader.problem('(configuration)', `expected an object, got ${typeName(config)}`);
    return EMPTY;
  }
  const kind = notAConfiguration(config);
  if (kind !== undefined) {
    // Would otherwise read as an empty configuration, silently: say why nothing applies.
    reader.problem('(configuration)', `expected an object of settings, got ${kind}`);
    return EMPTY;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(config)) {
    const value = config[key];
    if (!(TRACE_CONTEXT_KEYS as readonly string[]).includes(key)) {
      reader.problem(key, `unknown key "${key}" (known keys: ${TRACE_CONTEXT_KEYS.join(', ')})`);
      continue;
    }
    if (value === undefined || value === null) continue;
    let read: unknown;
    switch (key as keyof TraceContext) {
      case 'enabled':
      case 'captureContent':
      case 'sampled':
        read = reader.boolean(key, value);
        break;
      case 'sessionId':
      case 'userId':
      case 'traceName':
        read = reader.string(key, value);
        break;
      case 'tags':
        read = reader.tags(value);
        break;
      case 'metadata':
        read = reader.metadata(value);
        break;
      case 'modules':
        read = reader.modules(value);
        break;
    }
    if (read !== undefined) out[key] = read;
  }
  return Object.freeze(out) as TraceContextPatch;
}

const EMPTY: TraceContextPatch = Object.freeze({});

/**
 * Checks a trace configuration as start-up configuration: converts what is unambiguous and
 * throws a `TypeError` naming the field for anything else (`fnName` says who is asking).
 */
export function validateTraceContext(config: unknown, fnName = 'setTrace'): TraceContextPatch {
  return readTraceContext(config, fnName, 'throw');
}

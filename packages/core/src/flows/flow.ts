import type { CallContext, CallOptions } from '../invocation.js';
import { FnRunnable } from '../runnables/fn.js';
import { Runnable } from '../runnables/runnable.js';

export interface FlowOptions {
  /** Name of the flow's span. Default: the flow type (`Pipeline`, `Parallel` …) or its record key. */
  readonly name?: string | undefined;
}

/** A child of a flow: a runnable, or a plain function `(input, ctx) => output` (wrapped with `fn`). */
export type Child = Runnable<any, any> | ((input: any, ctx: CallContext<any>) => unknown);

/** Children as an array, or as a record whose keys name them in the trace. */
export type Children = readonly Child[] | Readonly<Record<string, Child>>;

/** A child with the name it has inside this flow. */
export interface FlowChild {
  readonly runnable: Runnable<any, any>;
  readonly name: string;
  /** The record key, for record children. */
  readonly key: string | undefined;
}

/** Base of every flow: kind `flow`, named after its type unless named explicitly or by a record key. */
export abstract class Flow<I = unknown, O = unknown> extends Runnable<I, O> {
  constructor(options: FlowOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(
        `flow options must be an object, got ${options === null ? 'null' : typeof options}`,
      );
    }
    super({ name: options.name }, 'flow');
  }

  /**
   * Calls a child with this flow's input as the child's `ctx.input`; the child's `ctx.signal`
   * follows this call's.
   */
  protected call(
    child: FlowChild,
    input: unknown,
    flowInput: unknown,
    context: CallContext<any>,
    options?: CallOptions,
  ): Promise<unknown> {
    return child.runnable.run(
      input,
      flowInput,
      child.name,
      options === undefined ? { parent: context } : { ...options, parent: context },
    );
  }
}

function isRunnable(value: unknown): value is Runnable<any, any> {
  // Duck-typed rather than `instanceof`, so runnables from another copy of this package work.
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Runnable).run === 'function' &&
    typeof (value as Runnable).invoke === 'function'
  );
}

/** Turns one child into a runnable with its in-flow name. `where` names it in error messages. */
export function toFlowChild(child: unknown, key: string | undefined, where: string): FlowChild {
  let runnable: Runnable<any, any>;
  if (isRunnable(child)) runnable = child;
  else if (typeof child === 'function') runnable = new FnRunnable(child as never);
  else {
    throw new TypeError(
      `${where} must be a runnable (Module, flow, fn(...)) or a function, got ${child === null ? 'null' : typeof child}`,
    );
  }
  const name = key !== undefined && !runnable.hasExplicitName ? key : runnable.name;
  return { runnable, name, key };
}

/** Normalizes array or record children. Record keys name the children. */
export function toFlowChildren(
  children: Children,
  flowType: string,
  field = 'children',
): readonly FlowChild[] {
  if (Array.isArray(children)) {
    return Object.freeze(
      children.map((child, i) => toFlowChild(child, undefined, `${flowType}: ${field}[${i}]`)),
    );
  }
  if (children !== null && typeof children === 'object') {
    return Object.freeze(
      Object.entries(children).map(([key, child]) => toFlowChild(child, key, `${flowType}: ${field}.${key}`)),
    );
  }
  throw new TypeError(
    `${flowType}: "${field}" must be an array or a record of runnables, got ${children === null ? 'null' : typeof children}`,
  );
}

export function isRecordChildren(children: Children): children is Readonly<Record<string, Child>> {
  return !Array.isArray(children);
}

/** Checks a concurrency option: a positive integer or Infinity. */
export function checkConcurrency(value: unknown, flowType: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (
    typeof value !== 'number' ||
    !(value >= 1) ||
    (!Number.isInteger(value) && value !== Number.POSITIVE_INFINITY)
  ) {
    throw new TypeError(`${flowType}: "concurrency" must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Runs tasks with at most `limit` at once. On a failure no new task starts, the running ones are
 * awaited (so no child outlives its flow), and the first error — the same instance — is thrown.
 */
export async function runConcurrently(
  tasks: readonly (() => Promise<unknown>)[],
  limit: number,
): Promise<unknown[]> {
  const results = new Array<unknown>(tasks.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const index = next++;
      try {
        results[index] = await tasks[index]!();
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(limit, tasks.length); i++) workers.push(worker());
  await Promise.all(workers);
  if (failed) throw firstError;
  return results;
}

/** Shapes results like the children: an array for array children, a record for record children. */
export function shapeResults(
  children: readonly FlowChild[],
  results: readonly unknown[],
  asRecord: boolean,
): unknown {
  if (!asRecord) return results;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < children.length; i++) setOwn(out, children[i]!.key!, results[i]);
  return out;
}

/**
 * `record[key] = value` as an own property for every key: assigning `__proto__` would set the
 * record's prototype instead (and drop the value).
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}

/**
 * Whether an input record has the key: its own, or inherited from its class (a getter), but not
 * one every object inherits (`__proto__`, `toString`, `constructor` …), which must not pass for a
 * branch's input.
 */
export function hasKey(record: object, key: string): boolean {
  if (Object.hasOwn(record, key)) return true;
  if (!(key in record)) return false;
  if (!(key in Object.prototype)) return true;
  return (
    key !== '__proto__' &&
    (record as Record<string, unknown>)[key] !== (Object.prototype as Record<string, unknown>)[key]
  );
}

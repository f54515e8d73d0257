import { type Invocation, typeName } from '../invocation.js';
import type {
  CheckedBranches,
  ChildRecord,
  ChildTuple,
  InputOf,
  InputsOf,
  OutputsOf,
} from './child-types.js';
import {
  type Children,
  checkConcurrency,
  Flow,
  type FlowChild,
  hasKey,
  isRecordChildren,
  runConcurrently,
  shapeResults,
  toFlowChildren,
} from './flow.js';
import type { ParallelOptions } from './parallel.js';

/**
 * Gives branch *i* the input's element *i* and runs the branches concurrently. For record
 * branches the input may be a record with the same keys, or an array in key order.
 */
export class Diverter<I = any, O = any> extends Flow<I, O> {
  readonly branches: readonly FlowChild[];
  readonly concurrency: number;
  private readonly asRecord: boolean;

  constructor(branches: Children, options: ParallelOptions = {}) {
    super(options);
    this.branches = toFlowChildren(branches, 'diverter', 'branches');
    this.asRecord = isRecordChildren(branches);
    this.concurrency = checkConcurrency(options.concurrency, 'diverter');
  }

  override get className(): string {
    return 'Diverter';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    const parts = this.split(input);
    const results = await runConcurrently(
      this.branches.map((branch, i) => () => this.call(branch, parts[i], input, context)),
      this.concurrency,
    );
    return shapeResults(this.branches, results, this.asRecord);
  }

  private split(input: unknown): readonly unknown[] {
    const count = this.branches.length;
    if (Array.isArray(input)) {
      if (input.length !== count) {
        throw new TypeError(
          `diverter "${this.name}": input must have ${count} elements (one per branch), got ${input.length}`,
        );
      }
      return input;
    }
    if (this.asRecord && input !== null && typeof input === 'object') {
      const record = input as Record<string, unknown>;
      const missing = this.branches.filter((b) => !hasKey(record, b.key!)).map((b) => b.key);
      if (missing.length > 0) {
        throw new TypeError(
          `diverter "${this.name}": input is missing the key(s) ${missing.map((k) => `"${k}"`).join(', ')}`,
        );
      }
      return this.branches.map((b) => record[b.key!]);
    }
    throw new TypeError(
      `diverter "${this.name}": input must be an array of ${count} elements${this.asRecord ? ' or a record with the branch keys' : ''}, got ${typeName(input)}`,
    );
  }
}

/**
 * Typed from the branches: the input is a tuple (array branches) or a record (record branches) of
 * what each branch accepts — for record branches also the same values as a tuple in key order —
 * and the output has the branches' shape. `ctx.input` of every branch is that whole input.
 */
export function diverter<const B extends ChildTuple>(
  branches: B & CheckedBranches<B, InputsOf<B>>,
  options?: ParallelOptions,
): Diverter<InputsOf<B>, OutputsOf<B>>;
export function diverter<const B extends ChildRecord>(
  branches: B & CheckedBranches<B, InputsOf<B> | readonly InputOf<B[keyof B]>[]>,
  options?: ParallelOptions,
): Diverter<InputsOf<B> | readonly InputOf<B[keyof B]>[], OutputsOf<B>>;
export function diverter(branches: Children, options?: ParallelOptions): Diverter {
  return new Diverter(branches, options);
}

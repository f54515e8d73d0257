import { type Invocation, typeName } from '../invocation.js';
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
  async execute(input: I, _context: Invocation): Promise<unknown> {
    const parts = this.split(input);
    const results = await runConcurrently(
      this.branches.map((branch, i) => () => this.call(branch, parts[i], input)),
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

export function diverter<I = any, O = any>(branches: Children, options?: ParallelOptions): Diverter<I, O> {
  return new Diverter<I, O>(branches, options);
}

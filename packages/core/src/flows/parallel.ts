import type { Invocation } from '../invocation.js';
import { ATTR_PARALLEL_BRANCHES } from '../tracing/attributes.js';
import type { CheckedBranches, ChildRecord, ChildTuple, OutputsOf, SharedInput } from './child-types.js';
import {
  type Children,
  checkConcurrency,
  Flow,
  type FlowChild,
  type FlowOptions,
  isRecordChildren,
  runConcurrently,
  shapeResults,
  toFlowChildren,
} from './flow.js';

export interface ParallelOptions extends FlowOptions {
  /** At most this many branches run at once. Default: all. */
  readonly concurrency?: number | undefined;
}

/**
 * Gives every branch the same input and runs them concurrently. Resolves to an array for array
 * branches, a record for record branches. If a branch fails, branches not yet started are
 * skipped, running ones are awaited, and the first error is thrown.
 */
export class Parallel<I = any, O = any> extends Flow<I, O> {
  readonly branches: readonly FlowChild[];
  readonly concurrency: number;
  private readonly asRecord: boolean;

  constructor(branches: Children, options: ParallelOptions = {}) {
    super(options);
    this.branches = toFlowChildren(branches, 'parallel', 'branches');
    this.asRecord = isRecordChildren(branches);
    this.concurrency = checkConcurrency(options.concurrency, 'parallel');
  }

  override get className(): string {
    return 'Parallel';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    context.setFlowAttribute(ATTR_PARALLEL_BRANCHES, this.branches.length);
    const results = await runConcurrently(
      this.branches.map((branch) => () => this.call(branch, input, input, context)),
      this.concurrency,
    );
    return shapeResults(this.branches, results, this.asRecord);
  }
}

/**
 * Typed from the branches: the input is what every branch accepts (the intersection), the output
 * a tuple (array branches) or a record (record branches) of their outputs. A branch declaring
 * `ctx: CallContext<X>` must take that input as `ctx.input`.
 */
export function parallel<const B extends ChildTuple | ChildRecord>(
  branches: B & CheckedBranches<B, SharedInput<B>>,
  options?: ParallelOptions,
): Parallel<SharedInput<B>, OutputsOf<B>> {
  return new Parallel(branches, options);
}

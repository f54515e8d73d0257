import type { StreamAggregate } from '../streaming/aggregate.js';

/**
 * What hooks and an invocation know of the runnable being called. Every `Runnable` is one; this
 * small shape (not the class) is what `hooks/` and `invocation.ts` depend on, so they do not
 * import the runnables, which import them.
 */
export interface CallTarget {
  /** Its own name (a flow may call it under a record key instead: see `Invocation.name`). */
  readonly name: string;
  readonly kind: string;
  /** The class (or flow type) shown as `lazytrace.class`. */
  readonly className: string;
  /** How its streamed result is recorded (`RunnableOptions.aggregate`). */
  readonly aggregate: StreamAggregate | undefined;
}

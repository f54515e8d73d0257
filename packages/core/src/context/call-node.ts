import { type Context, createContextKey } from '@opentelemetry/api';
import type { Scope } from './trace-context.js';
import type { ResolvedTraceContext } from './types.js';

/** Where a call's node lives in the OTel context (set by the tracing hook, re-entered by `around`). */
export const CALL_NODE_KEY = createContextKey('lazytrace.call');

/** At most this many values are remembered per request as withheld from capture. */
const MAX_WITHHELD_VALUES = 64;

/**
 * One call as the trace context sees it: the trace configuration fixed when it started, carried
 * in the OTel context that its `around` re-enters. Whatever runs inside the call — its children,
 * its stream's pulls, timers, callbacks bound to that context — reads its configuration here,
 * wherever it is consumed from.
 */
export class CallNode {
  /** The outermost node of the request: keeps what the request's spans must not record. */
  readonly root: CallNode;
  /**
   * A call below this one (or this one's output) was produced with content capture off: this
   * call's output is not recorded either, it returns or is derived from that content.
   */
  withheld = false;
  /** On the root only: outputs of calls with capture off, never recorded as any span's input or output. */
  private withheldValues: unknown[] | undefined;

  constructor(
    /** The `setTrace`/`withTrace` scope in force when the call started. */
    readonly scope: Scope | undefined,
    /** Its effective configuration, as resolved then. */
    readonly context: ResolvedTraceContext,
    /** The request's trace name (`lazytrace.trace.name`). */
    readonly traceName: string,
    readonly parent: CallNode | undefined,
    /**
     * Set on a node without a span and without a lazytrace span above (the stand-in for a request
     * root switched off with `modules`, a carrier of `enabled: false`): the spans right under it
     * are the request's roots.
     */
    readonly rootsBelow = false,
  ) {
    this.root = parent?.root ?? this;
  }

  /** Marks this call and every call above it as returning withheld content; remembers the value. */
  withhold(value: unknown): void {
    for (let node: CallNode | undefined = this; node !== undefined && !node.withheld; node = node.parent) {
      node.withheld = true;
    }
    if (value === undefined || value === null || typeof value === 'boolean') return;
    const root = this.root;
    root.withheldValues ??= [];
    const values = root.withheldValues;
    if (values.length < MAX_WITHHELD_VALUES && !values.includes(value)) values.push(value);
  }

  /** Whether `value` is content some call of this request produced with capture off. */
  isWithheld(value: unknown): boolean {
    const values = this.root.withheldValues;
    return values?.includes(value) === true;
  }
}

export function callNodeOf(context: Context): CallNode | undefined {
  return context.getValue(CALL_NODE_KEY) as CallNode | undefined;
}

import { type Context, createContextKey } from '@opentelemetry/api';
import type { Hook } from '../hooks/hook.js';
import type { ResolvedTraceContext, TraceContextPatch } from './types.js';

/**
 * One `setTrace`/`withTrace` layer: what lazytrace's async storage holds. Declared beside `CallNode`
 * because each refers to the other (a node's scope, a scope's anchor node).
 */
export interface Scope {
  /**
   * This layer's settings merged over those of the scope in force where it was entered: the
   * whole stack of scopes as one patch over the defaults. Not a link to that scope: a context
   * that calls `setTrace` again and again (a loop, a WebSocket's `message` callback) would
   * otherwise build an ever longer chain — memory kept for ever, and a re-merge as deep as the
   * chain once the defaults change.
   */
  readonly patch: TraceContextPatch;
  /**
   * The call inside which the scope was entered (undefined: outside any call). Inside another
   * call's context — a stream pulled by a consumer elsewhere, a callback bound to a call's OTel
   * context — that call's own trace context applies, not this scope.
   */
  readonly anchor: CallNode | undefined;
  /** The patch merged over its parents and the defaults of `version`. */
  resolved: ResolvedTraceContext;
  version: number;
}

/**
 * The hook of a call that carries its trace context without a span (`tracing/context-carrier.ts`),
 * as the calls below it use it.
 */
export interface NodeCarrier {
  /** The OTel context the call runs in. */
  readonly carried: Context | undefined;
  /** The hook shared by the calls started right in `carried`. */
  forCallBelow(): Hook | undefined;
}

/** Where a call's node lives in the OTel context (set by the tracing hook, re-entered by `around`). */
export const CALL_NODE_KEY = createContextKey('lazytrace.call');

/** At most this many values are remembered per call as withheld from capture. */
const MAX_WITHHELD_VALUES = 64;

/**
 * Orders call starts and withheld values: a value can only have reached a call through its
 * input (or the code around it) if it existed when the call started. One counter for the process.
 */
let sequence = 0;

/**
 * One call as the trace context sees it: the trace configuration fixed when it started, carried
 * in the OTel context that its `around` re-enters. Whatever runs inside the call — its children,
 * its stream's pulls, timers, callbacks bound to that context — reads its configuration here,
 * wherever it is consumed from.
 */
export class CallNode {
  /** The outermost node of the request. */
  readonly root: CallNode;
  /** When the call started, in the order of `sequence`. */
  readonly started = ++sequence;
  /**
   * A call below this one (or this one's output) was produced with content capture off: this
   * call's output is not recorded either, it returns or is derived from that content.
   */
  withheld = false;
  /**
   * Outputs of calls right under this one (and under nodes that pass through) whose content is
   * withheld: this call got them, so they may flow into the calls it starts afterwards. With the
   * sequence number each was withheld at.
   */
  private heldValues: unknown[] | undefined;
  private heldAt: number[] | undefined;
  /** On the root: whether any node of the request holds a value (skips the walk when none does). */
  private holding = false;
  /**
   * The hook that carries this node (a call without a span: `enabled: false`, a module switched
   * off), reused by the calls below it that carry nothing new: one object per carried scope.
   */
  carrier: NodeCarrier | undefined;

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
    /**
     * A node that records no output of its own (a carrier: a flow switched off, a scope carried
     * without a span): what is withheld right under it is withheld for its caller too, since its
     * output is not seen and may be that very value.
     */
    readonly passesThrough = false,
  ) {
    this.root = parent?.root ?? this;
  }

  /**
   * Marks this call and every call above it as returning withheld content, and hands `value` (its
   * output) to the call that receives it: the parent (and above a node that passes through).
   *
   * Why not a list per request: a value without identity (`1`, `"yes"`) cannot be told from an
   * unrelated equal one. A value can only reach another call through the caller that received
   * it, and only a call started after it existed: matching within that caller's later calls
   * (and what they start) keeps the rule for data that flows (a pipeline's next step, a branch
   * given the value, what derives from it) and leaves equal values elsewhere alone. What this
   * call held is handed up as well: its output may contain it (a record of branches).
   */
  withhold(value: unknown, streamed = false): void {
    for (let node: CallNode | undefined = this; node !== undefined && !node.withheld; node = node.parent) {
      node.withheld = true;
    }
    // A stream's output is made while its consumer runs (the next step got the stream when this
    // call returned, long before the end): it counts as existing from this call's start.
    const at = streamed ? this.started : ++sequence;
    // What this call held may be inside its output (a record, an array): its caller holds it too.
    const inside = this.heldValues;
    for (let node = this.parent; node !== undefined; node = node.parent) {
      if (remembered(value)) node.hold(value, at);
      if (inside !== undefined) for (const held of inside) node.hold(held, at);
      if (!node.passesThrough) break;
    }
  }

  private hold(value: unknown, at: number): void {
    this.root.holding = true;
    this.heldValues ??= [];
    this.heldAt ??= [];
    const values = this.heldValues;
    if (values.length < MAX_WITHHELD_VALUES && !values.includes(value)) {
      values.push(value);
      this.heldAt.push(at);
    }
  }

  /**
   * Whether `value` is content withheld in this request that could have reached this call: held
   * by one of its callers, withheld before the call on the way down from that caller started.
   */
  isWithheld(value: unknown): boolean {
    if (!this.root.holding || !remembered(value)) return false;
    let below: CallNode = this;
    for (let node = this.parent; node !== undefined; below = node, node = node.parent) {
      const values = node.heldValues;
      if (values === undefined) continue;
      const at = node.heldAt!;
      for (let i = 0; i < values.length; i++) {
        if (at[i]! < below.started && sameValue(values[i], value)) return true;
      }
    }
    return false;
  }
}

/** Nothing to hide in these: they carry no content. */
function remembered(value: unknown): boolean {
  return value !== undefined && value !== null && typeof value !== 'boolean';
}

function sameValue(a: unknown, b: unknown): boolean {
  // SameValueZero: NaN equals NaN, as `includes` has it.
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

export function callNodeOf(context: Context): CallNode | undefined {
  return context.getValue(CALL_NODE_KEY) as CallNode | undefined;
}

import { ROOT_CONTEXT } from '@opentelemetry/api';
import { CallNode } from '../context/call-node.js';
import { callOtelContext } from '../context/call-otel-context.js';
import { getTraceDefaults } from '../context/trace-context.js';
import { Lifecycle } from '../hooks/lifecycle.js';
import { Invocation } from '../invocation.js';
import type { Runnable } from '../runnables/runnable.js';
import { ContextCarrier } from './context-carrier.js';
import { spanAttributes, TracingHook } from './tracing-hook.js';

/**
 * One inert object of each shape a traced call allocates, kept for the life of the process.
 *
 * V8's optimized code refers to the object shapes (maps) it was specialized for weakly: when the
 * last object of a shape dies — a full GC while no call is in flight, which is exactly an idle
 * server between requests — the shape goes, and every function optimized for it is thrown away
 * ("weak objects"). The first thousands of calls after it then ran 3–5× slower, re-learning and
 * re-optimizing. Objects built here by the same constructors, in the same order, share the
 * shapes of the real ones and keep them (and the code) alive. They hold no application data.
 */
const kept: unknown[] = [];

export function keepPerCallShapes(): void {
  if (kept.length > 0) return;
  const runnable = { kind: 'module', className: 'Function' } as unknown as Runnable<unknown, unknown>;
  const invocation = new Invocation(runnable, 'lazytrace.shapes', undefined);
  const defaults = getTraceDefaults();
  const node = new CallNode(undefined, defaults, 'lazytrace.shapes', undefined);
  const inner = new CallNode(undefined, defaults, 'lazytrace.shapes', node);
  kept.push(
    invocation,
    new Lifecycle([], invocation),
    new TracingHook(invocation, false),
    new ContextCarrier(invocation, false),
    node,
    inner,
    callOtelContext(ROOT_CONTEXT, undefined, node),
    // A request's root and a call below it: the span attributes' two usual shapes (the SDK's copy
    // of them is built key by key in the same order, so it shares these shapes too).
    spanAttributes(invocation, defaults, 'lazytrace.shapes', true),
    spanAttributes(invocation, defaults, 'lazytrace.shapes', false),
  );
}

import { randomBytes } from 'node:crypto';
import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { CallNode } from '../context/call-node.js';
import { callOtelContext } from '../context/call-otel-context.js';
import { keepCallerScope } from '../context/trace-context.js';
import { sharedSingleton } from '../global-state.js';
import type { Hook } from '../hooks/hook.js';
import type { Invocation } from '../invocation.js';
import { lookupFor, releaseLookup } from './call-lookup.js';

/** Span contexts standing in for a request root that was switched off (no span is ever exported for them). */
const standIns = sharedSingleton('stand-in-roots', () => new WeakSet<SpanContext>());

/**
 * Whether the parent span in `ctx` stands in for a request root switched off with `modules`.
 * Samplers should then decide as for a root (lazytrace's sampler does: its rate applies to the
 * trace id, which every span of the request shares, so the request is kept or dropped whole).
 */
export function isStandInParent(ctx: Context): boolean {
  const parent = trace.getSpanContext(ctx);
  return parent !== undefined && standIns.has(parent);
}

function standInSpanContext(): SpanContext {
  const ids = randomBytes(24).toString('hex');
  const spanContext: SpanContext = {
    traceId: ids.slice(0, 32),
    spanId: ids.slice(32),
    traceFlags: TraceFlags.SAMPLED,
  };
  standIns.add(spanContext);
  return spanContext;
}

/**
 * The hook of a call that records nothing but must still carry its trace context: a call under
 * `enabled: false` / `sampled: false` whose scope is not the one its surroundings carry (so its
 * children, its stream's pulls and its timers stay off wherever they run), or a request root
 * switched off with `modules` (its children stay in one trace: they nest under a stand-in span
 * context that is never exported, and each is marked as a request root).
 */
export class ContextCarrier implements Hook {
  /** The OTel context the call runs in: its caller's, with this call's node. */
  carried: Context | undefined;
  private below: CarriedBelow | undefined;

  constructor(
    private readonly invocation: Invocation,
    private readonly standIn: boolean,
  ) {}

  pre(): void {
    const found = lookupFor(this.invocation);
    const { node, scope, context: traceContext } = found;
    const active = found.active;
    releaseLookup();
    let standInSpan: Span | undefined;
    if (this.standIn) {
      const parent = trace.getSpanContext(active);
      if (parent === undefined || !isSpanContextValid(parent)) {
        standInSpan = trace.wrapSpanContext(standInSpanContext());
      }
    }
    const traceName = traceContext.traceName ?? node?.traceName ?? this.invocation.name;
    // No span is opened here: with no lazytrace span above either, the spans below (a scope
    // inside that switches tracing back on) are the request's roots.
    const rootsBelow = this.standIn || node === undefined || node.rootsBelow;
    const own = new CallNode(scope, traceContext, traceName, node, rootsBelow, true);
    own.carrier = this;
    this.carried = callOtelContext(active, standInSpan, own);
    this.invocation.callContext = this.carried;
  }

  around<R>(next: () => R): R {
    return this.carried === undefined
      ? keepCallerScope(next)
      : context.with(this.carried, keepCallerScope<R>, undefined, next);
  }

  /**
   * The hook of a call started right in this call's context that carries nothing new (the calls
   * of a request that is off, below its first): it only re-enters that context, so a stream such
   * a call returns is pulled there wherever it is consumed. One object for all of them.
   */
  forCallBelow(): Hook | undefined {
    const carried = this.carried;
    if (carried === undefined) return undefined;
    this.below ??= new CarriedBelow(carried);
    return this.below;
  }
}

/** See `ContextCarrier.forCallBelow`: no state of its own per call, so shared. */
class CarriedBelow implements Hook {
  constructor(private readonly carried: Context) {}

  around<R>(next: () => R): R {
    // The call itself starts right in the carried context (that is why it got this hook): only
    // its stream's pulls, run from elsewhere, need it re-entered. `context.with` is the dearer part.
    const carried = this.carried;
    return context.active() === carried
      ? keepCallerScope(next)
      : context.with(carried, keepCallerScope<R>, undefined, next);
  }
}

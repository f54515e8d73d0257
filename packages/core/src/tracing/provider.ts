import { tracingOffEverywhere } from '../context/trace-context.js';
import { sharedSingleton } from '../global-state.js';
import type { CallTarget } from '../hooks/call-target.js';
import type { HookFactory, HookRegistration } from '../hooks/hook.js';
import { markBuiltInHook } from '../hooks/lifecycle.js';
import { registerHookProvider } from '../hooks/registry.js';
import type { Invocation } from '../invocation.js';
import { lookUpCall, lookupFor, releaseLookup } from './call-lookup.js';
import { ContextCarrier } from './context-carrier.js';
import { decide } from './decision.js';
import { TracingHook } from './tracing-hook.js';
import { keepPerCallShapes } from './warm-shapes.js';

/**
 * Priority 0: the span opens before every user hook (default priority 100) runs `pre` and closes
 * after every user hook's `finalize`. `'warn'`: tracing is never the reason a call fails.
 */
const withContent: HookFactory = {
  name: 'lazytrace.tracing',
  priority: 0,
  errorMode: 'warn',
  create: (invocation) => new TracingHook(invocation, true),
};

const withoutContent: HookFactory = {
  ...withContent,
  create: (invocation) => new TracingHook(invocation, false),
};

const withChosenContent: HookFactory = {
  ...withContent,
  create: (invocation) => new TracingHook(invocation, true, true),
};

const carrier: HookFactory = {
  ...withContent,
  create: (invocation) => new ContextCarrier(invocation, false),
};

/** A call below a carried one, in the very context it carries: that carrier's shared hook. */
const carriedBelow: HookFactory = {
  ...withContent,
  create: (invocation) => {
    const found = lookupFor(invocation);
    const hook = found.node?.carrier?.forCallBelow();
    releaseLookup();
    return hook ?? new ContextCarrier(invocation, false);
  },
};

const standInRoot: HookFactory = {
  ...withContent,
  create: (invocation) => new ContextCarrier(invocation, true),
};

// lazytrace's own hooks: run without the guards user hooks get (hooks/lifecycle.ts).
for (const hook of [withContent, withoutContent, withChosenContent, carrier, carriedBelow, standInRoot])
  markBuiltInHook(hook);

// Frozen, so the registry can keep their normalized form instead of redoing it per call.
const WITH_CONTENT: readonly HookRegistration[] = Object.freeze([withContent]);
const WITH_CHOSEN_CONTENT: readonly HookRegistration[] = Object.freeze([withChosenContent]);
const WITHOUT_CONTENT: readonly HookRegistration[] = Object.freeze([withoutContent]);
const CARRIER: readonly HookRegistration[] = Object.freeze([carrier]);
const CARRIED_BELOW: readonly HookRegistration[] = Object.freeze([carriedBelow]);
const STAND_IN_ROOT: readonly HookRegistration[] = Object.freeze([standInRoot]);
const NONE: readonly HookRegistration[] = Object.freeze([]);

/**
 * Consulted on every invocation, so switching tracing off after a pipeline was built works. Looks
 * the call's trace context up once (the hook it creates reuses the lookup).
 */
export function tracingHookProvider(
  _target: CallTarget,
  invocation: Invocation,
): readonly HookRegistration[] {
  if (tracingOffEverywhere()) return NONE;
  const found = lookUpCall(invocation);
  switch (decide(found.context, invocation)) {
    case 'content':
      return WITH_CONTENT;
    case 'chosen-content':
      return WITH_CHOSEN_CONTENT;
    case 'trace':
      return WITHOUT_CONTENT;
    case 'module-off':
      // A request root switched off: a stand-in keeps its children in one trace.
      if (found.node === undefined || found.node.rootsBelow) return STAND_IN_ROOT;
      // Carried even when the scope is the same: a `setTrace` in its body then stays its own
      // (it would otherwise be anchored to the traced call above and reach its later children).
      return CARRIER;
    case 'off': {
      // Nothing is recorded, but what runs inside must keep seeing "off" wherever it runs: a
      // stream returned by any call of the request, parked and pulled from a traced request,
      // must not record its calls there. So every call carries the context; below the first, a
      // call started right in the carried context shares its carrier's hook (no node, no context,
      // no hook made per call).
      const node = found.node;
      if (node !== undefined && node.scope === found.scope && node.carrier?.carried === found.active) {
        return CARRIED_BELOW;
      }
      return CARRIER;
    }
  }
}

// Once per process: when both the ESM and the CJS build are loaded, only the first registers,
// so a call never gets two tracing spans.
sharedSingleton('tracing-provider', () => registerHookProvider(tracingHookProvider));
// The per-call shapes outlive an idle full GC, so the optimized call path does too (warm-shapes.ts).
keepPerCallShapes();

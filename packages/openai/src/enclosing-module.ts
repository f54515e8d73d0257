import {
  type CallContext,
  type Hook,
  type HookRegistration,
  type Invocation,
  kindFacts,
  type Runnable,
  registerHookProvider,
} from '@lazytrace/core';
import { markBuiltInHook } from '@lazytrace/core/internal';
import { type Span, trace } from '@opentelemetry/api';

/**
 * An `llm` (or `embedding`) module that calls a wrapped client already is the generation: its
 * span should carry the model and usage, not gain a second generation under it. To know, at the
 * time of the OpenAI call, that the active span is such a module's own span, a hook is added to
 * every `llm`/`embedding` invocation through core's public hook-provider API: it notes the span
 * that the tracing hook made active for the call (the active span inside `around` that was not
 * active in `pre`), mapped to the call's context. A module whose tracing is off (or that is
 * sampled out) has no recording span of its own, so nothing is mapped and the OpenAI call gets
 * its own span (itself sampled out under a sampled-out parent).
 */
const moduleCalls = new WeakMap<Span, CallContext>();

/** Our own runnables are generations already; the hook is for the user's modules. */
const ownRunnables = new WeakSet<object>();

export function markOwnRunnable(runnable: object): void {
  ownRunnables.add(runnable);
}

class EnclosingModuleHook implements Hook {
  private parent: Span | undefined;
  private noted = false;

  constructor(private readonly invocation: Invocation) {}

  pre(): void {
    this.parent = trace.getActiveSpan();
  }

  around<R>(next: () => R): R {
    // Once per call: `around` also runs for every pull of a streamed result.
    if (!this.noted) {
      this.noted = true;
      const span = trace.getActiveSpan();
      // Only a recording span is the module's own: a module switched off may still run under a
      // non-recording placeholder span (so its children stay in the request's trace).
      if (span !== undefined && span !== this.parent && span.isRecording())
        moduleCalls.set(span, this.invocation);
    }
    return next();
  }
}

/** Priority 1: inside the tracing hook's `around` (priority 0), before any user hook (100). */
const REGISTRATION: readonly HookRegistration[] = Object.freeze([
  {
    name: 'lazytrace.openai.enclosing-module',
    priority: 1,
    errorMode: 'warn',
    create: (invocation: Invocation) => new EnclosingModuleHook(invocation),
  },
]);
// Its `pre` must see the caller's active span (the module's parent) and its `around` calls `next`
// once, at once: one of lazytrace's own hooks, run as such (not in the call's context like a
// user hook).
for (const registration of REGISTRATION) markBuiltInHook(registration);
const NONE: readonly HookRegistration[] = Object.freeze([]);

let registered = false;

/** Registers the hook provider, once per process (on the first `wrapOpenAI`). */
export function watchModuleCalls(): void {
  if (registered) return;
  registered = true;
  registerHookProvider((target: Runnable<any, any>, invocation: Invocation) =>
    kindFacts(invocation.kind).model === true && !ownRunnables.has(target) ? REGISTRATION : NONE,
  );
}

/**
 * The context of the `llm`/`embedding` module whose own span is the active span, when its kind is
 * `kind`; else undefined (the call gets a span of its own).
 */
export function enclosingModuleCall(kind: string): CallContext | undefined {
  if (!registered) return undefined;
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const call = moduleCalls.get(span);
  return call !== undefined && call.kind === kind ? call : undefined;
}

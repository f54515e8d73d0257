import { getTraceContext, tracingOffEverywhere } from '../context/trace-context.js';
import { sharedSingleton } from '../global-state.js';
import type { HookFactory, HookRegistration } from '../hooks/hook.js';
import { registerHookProvider } from '../hooks/registry.js';
import type { Invocation } from '../invocation.js';
import type { Runnable } from '../runnables/runnable.js';
import { decide } from './decision.js';
import { TracingHook } from './tracing-hook.js';

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

// Frozen, so the registry can keep their normalized form instead of redoing it per call.
const WITH_CONTENT: readonly HookRegistration[] = Object.freeze([withContent]);
const WITHOUT_CONTENT: readonly HookRegistration[] = Object.freeze([withoutContent]);
const NONE: readonly HookRegistration[] = Object.freeze([]);

/** Consulted on every invocation, so switching tracing off after a pipeline was built works. */
export function tracingHookProvider(
  _target: Runnable<any, any>,
  invocation: Invocation,
): readonly HookRegistration[] {
  if (tracingOffEverywhere()) return NONE;
  switch (decide(getTraceContext(), invocation)) {
    case 'off':
      return NONE;
    case 'trace':
      return WITHOUT_CONTENT;
    case 'content':
      return WITH_CONTENT;
  }
}

// Once per process: when both the ESM and the CJS build are loaded, only the first registers,
// so a call never gets two tracing spans.
sharedSingleton('tracing-provider', () => registerHookProvider(tracingHookProvider));

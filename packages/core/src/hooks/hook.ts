import type { Invocation } from '../invocation.js';
import type { CallTarget } from './call-target.js';

/**
 * What a hook does in each phase of one invocation. A fresh hook object is created for every
 * invocation, so it may keep per-call state (a span, a timer) in its fields.
 *
 * Order per invocation: every `pre` → the call → every `post` (success) or every `onError`
 * (failure) → every `finalize` (always).
 */
export interface Hook {
  pre?(input: unknown): void;
  post?(output: unknown): void;
  onError?(error: unknown): void;
  finalize?(): void;
  /**
   * Runs the business call (and each step of a stream) inside a context of the hook's choosing.
   * Must call `next` exactly once and return what it returns.
   */
  around?<R>(next: () => R): R;
}

/**
 * `'warn'`: a failure of the hook is logged (once per hook and phase) and the call goes on.
 * `'strict'`: a failure in `pre` or `post` surfaces as a `HookPhaseError`.
 */
export type HookErrorMode = 'warn' | 'strict';

export type HookPhase = 'pre' | 'post' | 'onError' | 'finalize' | 'around' | 'create';

export interface HookOptions {
  /** Shown in warnings and in `HookPhaseError`. Defaults to the class or factory name. */
  readonly name?: string;
  /** Lower runs `pre` earlier and `post`/`onError`/`finalize` later (LIFO). Default 100. */
  readonly priority?: number;
  /** Default `'warn'`. */
  readonly errorMode?: HookErrorMode;
}

/** A hook as a class: `static priority` / `static errorMode` / `static hookName` are read. */
export interface HookClass extends Omit<HookOptions, 'name'> {
  new (invocation: Invocation): Hook;
  readonly hookName?: string;
}

/** A hook as a factory object. */
export interface HookFactory extends HookOptions {
  create(invocation: Invocation): Hook;
}

export type HookRegistration = HookClass | HookFactory;

/**
 * Decides, per invocation, which extra hooks a runnable gets (tracing registers one of these).
 * Called with the runnable and the invocation (its name in the enclosing flow, its kind …).
 */
export type HookProvider = HookProviderMethod['provide'];

/*
 * Declared as a method so its parameter is checked bivariantly: a provider written against the full
 * `Runnable` (`(target: Runnable<any, any>, invocation) => …`) still type-checks. That is true at
 * run time: every target is a `Runnable`; hooks only name the small `CallTarget` so that they do
 * not import the runnables, which import the hooks.
 */
interface HookProviderMethod {
  provide(target: CallTarget, invocation: Invocation): readonly HookRegistration[];
}

export const DEFAULT_HOOK_PRIORITY = 100;

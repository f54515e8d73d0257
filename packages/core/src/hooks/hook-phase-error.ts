import { errorMessage } from '../logger.js';
import type { HookPhase } from './hook.js';

export interface HookFailure {
  readonly hook: string;
  readonly error: unknown;
}

/** One or more `'strict'` hooks failed in the same phase of one invocation. */
export class HookPhaseError extends Error {
  override readonly name = 'HookPhaseError';
  readonly phase: HookPhase;
  readonly failures: readonly HookFailure[];
  readonly runnable: string;

  constructor(phase: HookPhase, runnable: string, failures: readonly HookFailure[]) {
    const list = failures.map((f) => `${f.hook}: ${errorMessage(f.error)}`).join('; ');
    super(`strict hook(s) failed in "${phase}" of "${runnable}": ${list}`, {
      cause: failures.length === 1 ? failures[0]?.error : undefined,
    });
    this.phase = phase;
    this.failures = failures;
    this.runnable = runnable;
  }
}

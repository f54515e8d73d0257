import { getTracingSettings } from '@lazytrace/core';
import { timerDelay } from '@lazytrace/core/internal';

/** A call the idle rule applies to while nobody reads its result. */
export interface IdleWatched {
  /** Called about every `streamIdleTimeoutMs` while watched: the call decides whether it is idle. */
  checkIdle(): void;
}

/**
 * One unref'd timer for every call under the idle rule, instead of one per call: a `setTimeout`
 * and its `clearTimeout` per streamed call (each a timer object, an async-hooks resource and a
 * timer-list insertion) were a measurable part of a stream's fixed cost, and nearly every watch
 * ends (the stream is read to its end) long before any timer would fire.
 *
 * A call added between two ticks is first checked at the next tick and judged idle at the one
 * after, so it is ended only after at least one full period without a pull, as with a timer of
 * its own.
 */
const watched = new Set<IdleWatched>();
let timer: ReturnType<typeof setTimeout> | undefined;
let timerPeriod = 0;

function idlePeriod(): number {
  return timerDelay(getTracingSettings().streamIdleTimeoutMs);
}

export function watchIdle(call: IdleWatched): void {
  watched.add(call);
  const period = idlePeriod();
  // A shorter period configured since the timer was set takes effect at once.
  if (timer !== undefined && period >= timerPeriod) return;
  if (timer !== undefined) clearTimeout(timer);
  schedule(period);
}

export function unwatchIdle(call: IdleWatched): void {
  watched.delete(call);
  // The timer is left to fire once more and stop by itself (unref'd: it never keeps the process
  // alive): clearing it here would cost what a timer per call cost.
}

function schedule(period: number): void {
  timerPeriod = period;
  timer = setTimeout(tick, period);
  timer.unref?.();
}

function tick(): void {
  timer = undefined;
  // Snapshot: a check may end a call (removing it) or start another one (adding it).
  for (const call of [...watched]) {
    try {
      call.checkIdle();
    } catch {
      // One call's bookkeeping never stops the others from being checked.
    }
  }
  if (watched.size > 0 && timer === undefined) schedule(idlePeriod());
}

/** The longest delay a Node timer keeps: 2^31 − 1 ms, about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay as a Node timer keeps it. A longer one (`Infinity` meaning "never", a very large flush
 * or export timeout meaning "wait long") would fire after 1 ms with a `TimeoutOverflowWarning` on
 * the application's process: streams ended as abandoned, exports given up at once. Every timer
 * lazytrace's packages arm from a setting goes through this.
 */
export function timerDelay(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}

import { sleep } from '../util/retry.js';
import type { LangfuseReader, TraceRead } from './read-api.js';

export interface SettleOptions {
  /** How long to wait for ingestion in all. 0: read once. */
  readonly waitMs: number;
  readonly signal?: AbortSignal;
  /** Told before each wait: what was seen so far. */
  readonly onPoll?: (info: { observations: number; elapsedMs: number }) => void;
}

export interface SettledRead extends TraceRead {
  /** False when the deadline came while the trace was still changing (or still absent). */
  readonly settled: boolean;
  readonly elapsedMs: number;
}

/**
 * Langfuse answers reads before it has mapped everything it queued (a 200 on ingestion means
 * queued), so a trace read right after it was sent can be missing or partial. Reads are repeated
 * with a growing pause (0.5 s, 1 s, 2 s, then every 4 s) until two reads in a row agree (same
 * observations, same last update) or the wait runs out.
 */
export async function readSettled(
  reader: LangfuseReader,
  traceId: string,
  options: SettleOptions,
): Promise<SettledRead> {
  const started = Date.now();
  const deadline = started + options.waitMs;
  let delay = 500;
  let previous: string | undefined;
  while (true) {
    const read = await reader.readTrace(traceId);
    const signature = signatureOf(read);
    const elapsedMs = Date.now() - started;
    if (read.observations.length > 0 && signature === previous) return { ...read, settled: true, elapsedMs };
    if (options.waitMs === 0) return { ...read, settled: read.observations.length > 0, elapsedMs };
    if (Date.now() + delay > deadline || options.signal?.aborted)
      return { ...read, settled: false, elapsedMs };
    previous = signature;
    options.onPoll?.({ observations: read.observations.length, elapsedMs });
    await sleep(delay, options.signal);
    delay = Math.min(delay * 2, 4000);
  }
}

function signatureOf(read: TraceRead): string {
  let latest = '';
  let ended = 0;
  for (const o of read.observations) {
    if (o.updatedAt !== null && o.updatedAt > latest) latest = o.updatedAt;
    if (o.endTime !== null) ended++;
  }
  return `${read.observations.length}|${ended}|${latest}`;
}

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Quiet time after the last activity before a collection is considered. */
const QUIET_MS = 1000;
/** Heap growth since the last collection that makes one worth running once quiet. */
const WORTH_BYTES = 32 * 1024 * 1024;
/** Heap growth that makes one worth running at once, busy or not (between requests, not in one). */
const NOW_BYTES = 64 * 1024 * 1024;

/**
 * Gives the V8 heap back once the service goes quiet after heavy work. An ingest burst, a
 * 10,000-span trace or stats over a million spans leave 100+ MB of garbage in V8's heap, and V8
 * collects it only when the heap next reaches its growth limit: a service that is then idle keeps
 * it resident (docs/performance.md "Trace service": 120 of 190 MB of heap was garbage after a 1M-span
 * load), and the next query's own memory comes on top of it. One full collection a second after
 * the last request or ingest batch, when the heap grew by 32 MB since the last one, costs a few
 * tens of ms while nothing waits, and V8 returns the freed pages to the system soon after. Under
 * sustained work (a load, the viewer paging through big traces) one also runs, between two
 * requests, whenever 64 MB more was allocated (an incremental one, see run): the heap then stays near what is live plus that,
 * instead of growing by hundreds of MB before V8's own limit is reached. With a small live set
 * (this service keeps little in V8) a full collection is cheap.
 *
 * `gc` is not exposed without `--expose-gc`; the flag can be set at run time, and the function is
 * then taken from a fresh context, so the application's global scope gets no `gc`; the flag is
 * turned off again at once, so contexts the application creates later get none either. Where that
 * is refused, nothing is collected (V8 keeps its own pace). An application embedding the service
 * that wants none of this passes `collectGarbageWhenIdle: false` to startServer (`enabled`).
 */
export class IdleCollector {
  private readonly collect: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private heapAfterLast = heapUsed();
  private pending = false;
  private stopped = false;

  constructor(enabled = true) {
    this.collect = enabled ? exposedGc() : undefined;
  }

  /** Something happened (a request, a committed batch): look again once it has been quiet. */
  touch(): void {
    if (this.collect === undefined || this.stopped) return;
    const used = heapUsed();
    // The heap after the last collection: an incremental one (run(true)) ends after run returned.
    if (used < this.heapAfterLast) this.heapAfterLast = used;
    if (!this.pending && used - this.heapAfterLast >= NOW_BYTES) {
      // After the current callback (a response being sent is not held up by the collection).
      this.pending = true;
      setImmediate(() => {
        this.pending = false;
        this.run(true);
      });
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.collectIfWorth(), QUIET_MS);
    this.timer.unref();
  }

  private collectIfWorth(): void {
    this.timer = undefined;
    if (heapUsed() - this.heapAfterLast >= WORTH_BYTES) this.run();
  }

  /**
   * `busy`: requests are coming: V8's incremental, concurrent collection rather than a full pause
   * (a stop-the-world collection between two reads of a 10,000-span trace took 22-37 ms of the
   * event loop every second read; incremental, 6 ms of pauses). A V8 that knows no options
   * ignores them and collects in full, as before.
   */
  private run(busy = false): void {
    if (this.collect === undefined || this.stopped) return;
    if (busy) (this.collect as (options: object) => void)({ type: 'major', execution: 'async' });
    else this.collect();
    this.heapAfterLast = heapUsed();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

/** V8's own figure, without the /proc read process.memoryUsage() makes for the RSS. */
function heapUsed(): number {
  return getHeapStatistics().used_heap_size;
}

function exposedGc(): (() => void) | undefined {
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return own;
  try {
    setFlagsFromString('--expose-gc');
    let gc: unknown;
    try {
      gc = runInNewContext('gc');
    } finally {
      // The function keeps working; the flag is V8's, process-wide, and would otherwise put `gc`
      // into every vm context the application creates from now on.
      setFlagsFromString('--no-expose-gc');
    }
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

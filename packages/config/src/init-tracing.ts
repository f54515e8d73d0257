import { logWarning } from '@lazytrace/core';
import type { TracerProvider } from '@opentelemetry/api';
import type { TracerProvider as SdkTracerProvider } from '@opentelemetry/sdk-trace';
import { describeBackend, describeSampler, type TracingDescription } from './describe.js';
import { type GuardedExporter, watchExportRequests } from './export-guard.js';
import { DeadlineError, FinalDeadline } from './init-tracing-deadline.js';
import { ProcessListeners } from './init-tracing-process-listeners.js';
import { ProcessRegistration } from './init-tracing-registration.js';
import { resolveInitTracingSettings } from './init-tracing-settings.js';
import { checkOptions, type InitTracingOptions, sameOptions } from './options.js';
import { buildProvider, resolveBackends } from './provider.js';
import { StatsRecorder, type TracingStats } from './stats.js';

/*
 * The life cycle of one set-up: options checked and resolved (init-tracing-settings.ts), backends
 * and provider built, then what changes process-wide applied (init-tracing-registration.ts) and
 * the process listeners added (init-tracing-process-listeners.ts); flushes and the shutdown under
 * one total deadline (init-tracing-deadline.ts).
 */

export type { TracingDescription } from './describe.js';
export type { InitTracingOptions } from './options.js';
export { defaultBackendNames } from './provider.js';

export interface TracingHandle {
  /** lazytrace's tracer provider (undefined when tracing is disabled). */
  readonly provider: TracerProvider | undefined;
  /** Exports everything that has ended, within the flush timeout. Never rejects. */
  forceFlush(): Promise<void>;
  /**
   * Flushes, stops the backends and unregisters what `initTracing` registered, within one total
   * deadline (`flushTimeoutMs`). Never rejects.
   */
  shutdown(): Promise<void>;
  describe(): TracingDescription;
  stats(): TracingStats;
}

let current: ActiveTracing | undefined;
/** The last set-up, also once shut down: its final counts stay readable. */
let last: ActiveTracing | undefined;

/**
 * Sets lazytrace up: a tracer provider with the chosen backends, sampling, a context manager
 * when none is active, flush at exit. Idempotent: a second call returns the running handle (and
 * warns once when it is given options that differ; `initTracing()` with no argument just returns
 * the handle). When the application already registered a global tracer
 * provider, lazytrace does not replace it: it runs on its own isolated provider (its spans still
 * nest under the application's active spans) and says so once. A bad option given in code throws
 * (a `TypeError` or `LazytraceConfigError` naming it) and leaves everything as it was; a bad
 * environment variable is ignored with one warning naming it, and the default is used.
 */
export function initTracing(options?: InitTracingOptions): TracingHandle {
  if (current !== undefined) {
    // `initTracing()` with no argument asks for the running handle, whatever its options.
    if (options !== undefined) current.calledAgain(options);
    return current.handle;
  }
  const active = new ActiveTracing(options ?? {});
  current = active;
  last = active;
  return active.handle;
}

/** Flushes and shuts down what `initTracing` set up. Safe to call when nothing is set up. */
export async function shutdownTracing(): Promise<void> {
  await current?.handle.shutdown();
}

/** The effective settings (no secrets), or `undefined` before `initTracing`. */
export function describeTracing(): TracingDescription | undefined {
  return current?.handle.describe();
}

/**
 * Spans ended, exported and dropped since `initTracing`. After `shutdownTracing()` the final
 * counts stay readable until the next `initTracing()` starts from zero.
 */
export function getTracingStats(): TracingStats {
  return (current ?? last)?.handle.stats() ?? { ended: 0, exported: 0, dropped: 0, failedExports: 0 };
}

class ActiveTracing {
  readonly handle: TracingHandle;
  private readonly stats = new StatsRecorder();
  private readonly provider: SdkTracerProvider | undefined;
  private readonly guards: readonly GuardedExporter[];
  private readonly description: TracingDescription;
  private readonly flushTimeoutMs: number;
  private readonly registration: ProcessRegistration;
  private readonly listeners: ProcessListeners;
  private readonly deadline: FinalDeadline;
  private unwatchRequests: (() => void) | undefined;
  private flushedAt = 0;
  private flushing: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private warnedAgain = false;

  constructor(private readonly options: InitTracingOptions) {
    checkOptions(options);
    // Everything is resolved and built before anything global changes: a bad setting throws
    // and leaves the process as it was.
    const settings = resolveInitTracingSettings(options);
    const { enabled, sampleRate, exportMode, serviceName } = settings;
    this.flushTimeoutMs = settings.flushTimeoutMs;
    const backends = enabled ? resolveBackends(options, settings.env, serviceName, this.flushTimeoutMs) : [];
    const built = enabled
      ? buildProvider(
          { backends, exportMode, sampleRate, serviceName, exportTimeoutMs: this.flushTimeoutMs },
          this.stats,
        )
      : undefined;
    const provider = built?.provider;
    this.provider = provider;
    this.guards = built?.guards ?? [];
    this.deadline = new FinalDeadline(this.flushTimeoutMs, (what) => this.stopBackends(what));
    this.listeners = new ProcessListeners(
      () => this.flushAtExit(),
      () => this.shutdown(),
    );

    // From here on, only registration that cannot fail on bad input.
    this.registration = new ProcessRegistration();
    const mode = this.registration.apply(settings, options, provider);
    if (provider !== undefined) {
      this.unwatchRequests = watchExportRequests();
      this.listeners.listen(options.flushOnExit !== false, options.handleSignals === true);
    }
    this.description = Object.freeze({
      enabled,
      provider: mode,
      serviceName,
      sampleRate,
      exportMode,
      captureContent: settings.captureContent,
      maxContentChars: settings.maxContentChars,
      flushTimeoutMs: this.flushTimeoutMs,
      backends: Object.freeze(backends.map(describeBackend)),
      sampler: describeSampler(sampleRate, mode),
    });
    this.handle = Object.freeze({
      provider,
      forceFlush: () => this.forceFlush(),
      shutdown: () => this.shutdown(),
      describe: () => this.description,
      stats: () => this.stats.snapshot(),
    });
  }

  /** A second `initTracing()`: same options are the same request; different ones are not applied. */
  calledAgain(options: InitTracingOptions): void {
    if (this.warnedAgain || sameOptions(this.options, options)) return;
    this.warnedAgain = true;
    logWarning(
      'initTracing() was called again with different options while tracing is running: the first set-up is kept and the new options are ignored. Call shutdownTracing() first to change them.',
    );
  }

  /** Exports what has ended, within the flush timeout; what is still being sent then goes on in the background. */
  forceFlush(): Promise<void> {
    const provider = this.provider;
    if (provider === undefined || this.stopped !== undefined) return Promise.resolve();
    this.flushedAt = this.stats.ended;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.stats.reportOnce(
          'flush:timeout',
          `forceFlush() did not finish within ${this.flushTimeoutMs} ms; the exports still running are given up at the export timeout and counted (see getTracingStats()).`,
        );
        resolve();
      }, this.flushTimeoutMs);
      // Ref'd (exporters' sockets are not): `await forceFlush()` as a script's last line completes.
      void this.flushEverything(provider).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  shutdown(): Promise<void> {
    if (this.stopped !== undefined) return this.stopped;
    this.listeners.stop();
    if (current === this) current = undefined;
    const provider = this.provider;
    this.stopped = (async () => {
      if (provider !== undefined) {
        const deadline = this.deadline.start('shutdown');
        await Promise.race([
          provider
            .shutdown()
            .catch(() => undefined)
            .then(() => this.allIdle()),
          deadline,
        ]);
        // Whatever is left (nothing, when the backends kept up) is given up and counted.
        this.stopBackends('shutdown');
        this.deadline.end();
      }
      this.registration.restore();
      // An abandoned exporter may still retry from a timer: its requests must still be found.
      if (!this.guards.some((g) => g.abandonedAny)) this.unwatchRequests?.();
    })();
    return this.stopped;
  }

  /**
   * `beforeExit` fires again after each flush; flushing only when something ended since avoids a
   * loop. The flush shares the one total deadline with a shutdown that may follow: past it, the
   * backends are stopped (sockets destroyed, the rest counted as dropped), so a hanging backend
   * cannot keep the process for longer than `flushTimeoutMs` — not one timeout per batch.
   */
  private flushAtExit(): void {
    const provider = this.provider;
    if (provider === undefined || this.stopped !== undefined) return;
    if (this.flushing !== undefined) return;
    // Also when nothing ended since the last flush, a batch may still be on its way: its socket
    // does not keep the process, the exit flush does.
    if (this.stats.ended === this.flushedAt && !this.guards.some((g) => g.busy())) return;
    this.flushedAt = this.stats.ended;
    const deadline = this.deadline.start('the flush at exit');
    this.flushing = Promise.race([this.flushEverything(provider), deadline]).then(() => {
      this.flushing = undefined;
      this.deadline.end();
    });
  }

  /** The processors' queues, and the batches they were already sending. */
  private async flushEverything(provider: SdkTracerProvider): Promise<void> {
    await provider.forceFlush().catch(() => undefined);
    await this.allIdle();
  }

  private allIdle(): Promise<void> {
    return Promise.all(this.guards.map((g) => g.idle())).then(() => undefined);
  }

  /** Gives up on everything not exported yet: sockets destroyed, spans counted as dropped, once. */
  private stopBackends(what: string): void {
    const before = this.stats.dropped;
    const reason = new DeadlineError(`${what} did not finish within ${this.flushTimeoutMs} ms`);
    for (const guard of this.guards) guard.stop(reason);
    const lost = this.stats.dropped - before;
    if (lost > 0) {
      this.stats.reportOnce(
        'deadline',
        `${what} did not finish within ${this.flushTimeoutMs} ms (flushTimeoutMs): ${lost} span(s) not exported were dropped and their connections closed.`,
      );
    }
  }
}

/**
 * `initTracing`'s process listeners: the flush at natural exit (`beforeExit`, unless
 * `flushOnExit: false`) and, with `handleSignals: true`, a shutdown on SIGINT/SIGTERM after which
 * the signal does what it would have done without lazytrace.
 */
export class ProcessListeners {
  private exit = false;
  private signals = false;
  private readonly onBeforeExit = () => this.flushAtExit();
  private readonly onSignal = (signal: NodeJS.Signals) => this.shutdownOnSignal(signal);

  constructor(
    private readonly flushAtExit: () => void,
    private readonly shutdown: () => Promise<void>,
  ) {}

  listen(flushOnExit: boolean, handleSignals: boolean): void {
    if (flushOnExit) {
      process.on('beforeExit', this.onBeforeExit);
      this.exit = true;
    }
    if (handleSignals) {
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
      this.signals = true;
    }
  }

  stop(): void {
    if (this.exit) process.off('beforeExit', this.onBeforeExit);
    if (this.signals) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    }
    this.exit = false;
    this.signals = false;
  }

  private shutdownOnSignal(signal: NodeJS.Signals): void {
    void this.shutdown().finally(() => {
      // With our listener gone, the signal does what it would have done without lazytrace.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** The deadline that marks the abandonment of an export (already reported once, as a whole). */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  readonly reported = true;
}

/**
 * The one total deadline (`flushTimeoutMs`) of the exit flush and the shutdown: a shutdown during
 * the exit flush joins the running deadline rather than starting its own. When it passes,
 * `onPass(what)` gives up on the backends; the returned promise then resolves.
 */
export class FinalDeadline {
  private running: { passed: Promise<void>; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onPass: (what: string) => void,
  ) {}

  /** Starts the deadline, or joins the one already running. */
  start(what: string): Promise<void> {
    if (this.running === undefined) {
      let pass!: () => void;
      const passed = new Promise<void>((resolve) => {
        pass = resolve;
      });
      // Ref'd: exporters' sockets are not, so this is what holds a process that is ending for the
      // exit flush or the shutdown it awaits — never longer than flushTimeoutMs.
      const timer = setTimeout(() => {
        this.onPass(what);
        pass();
      }, this.timeoutMs);
      this.running = { passed, timer };
    }
    return this.running.passed;
  }

  end(): void {
    if (this.running === undefined) return;
    clearTimeout(this.running.timer);
    this.running = undefined;
  }
}

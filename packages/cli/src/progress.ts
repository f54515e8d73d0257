import { SingleBar } from 'cli-progress';
import type { CliIo } from './io.js';

/** A progress report: a bar on a terminal, nothing otherwise (pipes, CI, files). */
export interface Progress {
  /** The amount of work is known (or better known) now. */
  setTotal(total: number): void;
  update(value: number, payload?: { what?: string }): void;
  increment(by?: number): void;
  stop(): void;
}

const SILENT: Progress = { setTotal() {}, update() {}, increment() {}, stop() {} };

/**
 * A cli-progress bar on stderr, only when stderr is a terminal: long work (import, replay, fetch)
 * shows where it is, and nothing but results reaches a pipe. `LAZYTRACE_PROGRESS=0` turns it off.
 */
export function startProgress(io: CliIo, label: string, total: number, unit = 'spans'): Progress {
  if (io.stderr.isTTY !== true || io.env.LAZYTRACE_PROGRESS === '0') return SILENT;
  const bar = new SingleBar({
    stream: io.stderr as NodeJS.WritableStream,
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {what}`,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    // cli-progress decides terminal-ness itself from the stream; we already did.
    noTTYOutput: false,
    fps: 10,
  });
  bar.start(Math.max(total, 1), 0, { what: '' });
  let stopped = false;
  return {
    setTotal: (value) => bar.setTotal(Math.max(value, 1)),
    update: (value, payload) => bar.update(value, { what: payload?.what ?? '' }),
    increment: (by = 1) => bar.increment(by),
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

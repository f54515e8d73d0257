#!/usr/bin/env node
import { REEXEC_MARK, reexecServeWithArenaCap } from './arena-cap.js';
import { processIo } from './io.js';
import { run } from './program.js';

const argv = process.argv.slice(2);

// `serve` on Linux: re-executed with MALLOC_ARENA_MAX=2 when unset (see arena-cap.ts).
const reexec = reexecServeWithArenaCap(argv);
if (reexec !== undefined) {
  reexec.then((code) => process.exit(code));
} else {
  main();
}

function main(): void {
  // tail and serve run until interrupted: the first SIGINT/SIGTERM asks them to stop cleanly.
  // The re-executed serve gets Ctrl-C twice (from the terminal and from its parent): it takes
  // repeats as the same request; its parent forces it on a second Ctrl-C.
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (process.env[REEXEC_MARK] !== undefined) process.on(signal, () => controller.abort());
    else process.once(signal, () => controller.abort());
  }

  // `lazytrace show | head`: a reader that went away is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }

  run(argv, processIo(controller.signal)).then(
    (code) => {
      process.exitCode = code;
      // Nothing should be left running; a lingering handle must not hold the shell.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (error: unknown) => {
      process.stderr.write(`lazytrace: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

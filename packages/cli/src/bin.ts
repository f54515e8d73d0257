#!/usr/bin/env node
import { processIo } from './io.js';
import { run } from './program.js';

// tail and serve run until interrupted: the first SIGINT/SIGTERM asks them to stop cleanly.
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => controller.abort());
}

// `lazytrace show | head`: a reader that went away is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

run(process.argv.slice(2), processIo(controller.signal)).then(
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

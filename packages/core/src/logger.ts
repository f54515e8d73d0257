import { sharedSingleton } from './global-state.js';

/** Where lazytrace reports its own problems (never the application's). */
export interface Logger {
  warn(message: string): void;
}

const consoleLogger: Logger = {
  warn: (message) => console.warn(message),
};

const holder = sharedSingleton('logger', () => ({ logger: consoleLogger as Logger }));

/** Replaces the logger for lazytrace's own warnings (hook failures, dropped spans). */
export function setLogger(logger: Logger | undefined): void {
  holder.logger = logger ?? consoleLogger;
}

export function logWarning(message: string): void {
  try {
    holder.logger.warn(`[lazytrace] ${message}`);
  } catch {
    // A broken logger must not turn a warning into an application failure.
  }
}

/** Describes any thrown value in one line without ever throwing itself. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return '[unprintable error]';
  }
}

/** The message of any thrown value, never throwing itself. */
export function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return '[unprintable error]';
  }
}

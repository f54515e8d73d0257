/**
 * What a command reports to the person who ran it. The message is printed as is (no stack), and
 * the exit code is the contract's: 1 for a failure, 2 for a usage error.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** The command line itself is wrong (a bad option value, a missing argument): exit code 2. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, 2);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    // fetch() says only "fetch failed"; the reason (ECONNREFUSED …) is in the cause.
    if (error.message === 'fetch failed' && cause instanceof Error)
      return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}

import { InvalidArgumentError } from 'commander';
import { parseDuration } from './duration.js';

/** Commander parsers that turn bad values into usage errors (exit code 2) with a clear message. */
export function positiveInt(label: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
      throw new InvalidArgumentError(
        `${label} must be a whole number of at least 1, got ${JSON.stringify(value)}`,
      );
    }
    return Number(value);
  };
}

export function durationMs(label: string) {
  return (value: string): number => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < 0) {
      throw new InvalidArgumentError(
        `${label} must be a duration such as 7d, 12h, 30m, 45s, 500ms or a number of milliseconds, got ${JSON.stringify(value)}`,
      );
    }
    return ms;
  };
}

export function portNumber(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 65535) {
    throw new InvalidArgumentError(
      `--port must be 0..65535 (0 picks a free port), got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

export function nonNegativeInt(label: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) {
      throw new InvalidArgumentError(`${label} must be a whole number, got ${JSON.stringify(value)}`);
    }
    return Number(value);
  };
}

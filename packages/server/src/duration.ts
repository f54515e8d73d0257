import { parseDuration } from '@lazytrace/traces';

export { parseDuration };

/**
 * A point in time from a query parameter: an ISO date, epoch milliseconds, or a duration meaning
 * "that long ago" (`since=15m`). Returns epoch milliseconds, or undefined when it is none of those.
 */
export function parseTimePoint(value: string, now = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    // A bare number is epoch milliseconds (anything after 2001-09-09); a small one is not a date.
    return n >= 1e12 ? n : undefined;
  }
  const ago = parseDuration(trimmed);
  if (ago !== undefined && /[a-z]$/i.test(trimmed)) return now - ago;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

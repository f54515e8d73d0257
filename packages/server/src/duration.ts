const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A duration as people write it on a command line: `7d`, `12h`, `30m`, `45s`, `250ms`, `2w`, or
 * a number of milliseconds (number or digits). Returns undefined when it is not one.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 'ms').toLowerCase();
  const factor = UNITS[unit];
  return factor === undefined ? undefined : amount * factor;
}

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

/**
 * Epoch milliseconds → ISO 8601 text, exactly as `new Date(ms).toISOString()` writes it (the
 * epoch for a time no Date holds). A 10,000-span trace formats 20,000 times per read: a Date
 * and its toISOString each took ~10 ms of the read; most times fall on the same UTC day, so the
 * day's prefix is formatted once and the time of day from integer arithmetic.
 */

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from here toISOString writes an expanded year (+010000-…). */
const YEAR_10000_MS = 253_402_300_800_000;

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => `${i}`.padStart(3, '0'));

let cachedDay = Number.NaN;
let cachedPrefix = '';

export function isoTime(ms: number): string {
  // Date's TimeClip: the time truncated toward zero.
  const t = Math.trunc(ms);
  if (!(t >= 0 && t < YEAR_10000_MS)) return slowIso(t);
  const day = Math.floor(t / DAY_MS);
  if (day !== cachedDay) {
    cachedPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    cachedDay = day;
  }
  let rest = t - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${cachedPrefix}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`;
}

/** Before 1970, after 9999 or not a time: Date's own text (the epoch for NaN or out of range). */
function slowIso(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

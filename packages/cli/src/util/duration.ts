// One reading of durations for the service and the command (`7d`, `1d12h`, `250ms`).
export { parseDuration } from '@lazytrace/traces';

/** A short human form for messages and tables: `812ms`, `3.20s`, `4m05s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms === 0) return '0ms';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

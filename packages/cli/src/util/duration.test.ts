import { describe, expect, it } from 'vitest';
import { formatMs, parseDuration } from './duration.js';

describe('durations', () => {
  it('reads units, combinations and bare milliseconds', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration(' 3H ')).toBe(3 * 3_600_000);
  });

  it('rejects what is not a duration', () => {
    for (const text of ['', 'soon', '7 days', '-1d', '1y', 'd7', '7dd'])
      expect(parseDuration(text), text).toBeUndefined();
  });

  it('prints short forms', () => {
    expect(formatMs(0)).toBe('0ms');
    expect(formatMs(0.25)).toBe('0.25ms');
    expect(formatMs(812.4)).toBe('812ms');
    expect(formatMs(3200)).toBe('3.20s');
    expect(formatMs(245_000)).toBe('4m05s');
  });
});

import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['7d', 604_800_000],
    ['12h', 43_200_000],
    ['30m', 1_800_000],
    ['45s', 45_000],
    ['250ms', 250],
    ['2w', 1_209_600_000],
    ['1d12h', 129_600_000],
    [' 7 D ', 604_800_000],
    ['1.5h', 5_400_000],
    ['500', 500],
    [500, 500],
  ])('%j is %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([['7x'], [''], ['d'], ['-1d'], ['1d-2h'], [-5], [Number.NaN], [null], [{}]])(
    '%j is not a duration',
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );
});

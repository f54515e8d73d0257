/**
 * Found by trying part 2 as a user does: with a 3 s request among 60 ms ones, the overview's
 * "Duration over time" (log-scaled) labelled its axis 10.1 ms, 101 ms, 1.01 s, with a grid that
 * matched no round value, because its range started at the fastest request / 1.5.
 */
import { describe, expect, it } from 'vitest';
import { logRange } from '../ui/overview/log-range.js';

describe('the duration-over-time log axis', () => {
  it('spans whole powers of ten around the data, so ticks fall on 10 ms, 100 ms, 1 s', () => {
    expect(logRange(15.2, 3010)).toEqual([10, 10_000]);
    expect(logRange(47.7, 265)).toEqual([10, 1000]);
    expect(logRange(0.2, 40)).toEqual([0.1, 100]);
  });

  it('keeps the data inside, also on an exact power of ten or a single value', () => {
    expect(logRange(100, 1000)).toEqual([100, 1000]);
    expect(logRange(100, 100)).toEqual([100, 1000]);
    const [lo, hi] = logRange(0, 5);
    expect(lo).toBe(0.001);
    expect(hi).toBe(10);
  });
});

import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { isoTime } from './iso-time.js';

/** The reference: what the API wrote before the fast path. */
function dateIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

describe('isoTime', () => {
  it('writes exactly what Date#toISOString writes, at edges and across days', () => {
    const edges = [
      0,
      -0,
      0.4,
      0.9999,
      999,
      1000,
      59_999,
      60_000,
      3_599_999,
      86_399_999,
      86_400_000,
      -1,
      -0.5,
      -86_400_001,
      951_782_400_000 /* 2000-02-29 */,
      1_795_376_706_492.7,
      253_402_300_799_999,
      253_402_300_800_000,
      8.64e15,
      8.64e15 + 1,
      -8.64e15,
      -8.64e15 - 1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MAX_SAFE_INTEGER,
    ];
    for (const ms of edges) expect(isoTime(ms), String(ms)).toBe(dateIso(ms));
  });

  it('matches Date over many times of one day and of many days, in any order', () => {
    const random = seededRandom(12345);
    const base = Date.UTC(2026, 10, 23);
    for (let i = 0; i < 20_000; i++) {
      const ms = i % 2 === 0 ? base + random() * 86_400_000 : random() * 4e12 - 1e12;
      expect(isoTime(ms)).toBe(dateIso(ms));
    }
  });
});

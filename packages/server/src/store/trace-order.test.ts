import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../test/support/seeded-random.js';
import { TraceOrder } from './trace-order.js';

describe('TraceOrder', () => {
  it('pages newest first by start then id, across buffered changes, moves and deletes', () => {
    const order = new TraceOrder();
    order.set('b', 20);
    order.set('a', 20);
    order.set('c', 10);
    expect(order.newest(10)).toEqual(['b', 'a', 'c']);
    order.set('d', 30);
    order.set('c', 5); // an earlier span arrived: the trace starts earlier
    order.delete('a');
    expect(order.newest(10)).toEqual(['d', 'b', 'c']);
    expect(order.newest(2)).toEqual(['d', 'b']);
    expect(order.newest(10, { startMs: 20, traceId: 'b' })).toEqual(['c']);
    expect(order.newest(10, { startMs: 30, traceId: 'd' })).toEqual(['b', 'c']);
    // deleted and stored again before the next read: present once
    order.delete('b');
    order.set('b', 20);
    order.set('b', 20);
    expect(order.newest(10)).toEqual(['d', 'b', 'c']);
    expect(order.size).toBe(3);
  });

  it('agrees with a plain sort over many random changes', () => {
    const order = new TraceOrder();
    const truth = new Map<string, number>();
    const random = seededRandom(7);
    const rand = (n: number) => Math.floor(random() * n);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 40; i++) {
        const id = `t${rand(300)}`;
        if (rand(5) === 0) {
          order.delete(id);
          truth.delete(id);
        } else {
          const start = rand(100);
          order.set(id, start);
          truth.set(id, start);
        }
      }
      const expected = [...truth.entries()]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : 0))
        .map(([id]) => id);
      expect(order.newest(1000)).toEqual(expected);
    }
  });
});

import { getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleCollector } from './idle-collector.js';

// Under `node --expose-gc` every context has `gc` and the collector takes the global one: nothing to check.
const startedWithGc = typeof (globalThis as { gc?: unknown }).gc === 'function';

describe.skipIf(startedWithGc)('IdleCollector', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no gc to the application: neither its globals nor the vm contexts it creates later', () => {
    const collector = new IdleCollector();
    collector.stop();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  it('still collects with the gc it took, once quiet after the heap grew', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const collector = new IdleCollector();
    let garbage: { i: number; s: string }[] | undefined = [];
    for (let i = 0; i < 600_000; i++) garbage.push({ i, s: `item ${i}` });
    collector.touch(); // grown by well over 32 MB since the collector started
    garbage = undefined;
    const before = getHeapStatistics().used_heap_size;
    vi.advanceTimersByTime(1000);
    const after = getHeapStatistics().used_heap_size;
    collector.stop();
    expect(before - after).toBeGreaterThan(16 * 1024 * 1024);
  });

  it('does nothing when disabled (collectGarbageWhenIdle: false)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const collector = new IdleCollector(false);
    collector.touch();
    expect(vi.getTimerCount()).toBe(0);
  });
});

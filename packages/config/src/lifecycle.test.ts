import { DEFAULT_REDACT_KEYS, fn, getTracingSettings, setLogger } from '@lazytrace/core';
import { getTraceContext } from '@lazytrace/core/internal';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultServer } from '../../../test/reliability/fault-server.js';
import { getTracingStats, initTracing, shutdownTracing } from './index.js';

afterEach(async () => {
  await shutdownTracing();
  setLogger(undefined);
});

const memory = () => ({ name: 'memory', exporter: new InMemorySpanExporter() });
const step = fn(async (x: number) => x + 1, { name: 'step' });
function collectWarnings(): string[] {
  const warnings: string[] = [];
  setLogger({ warn: (m) => warnings.push(m) });
  return warnings;
}
/** Polls `check` every 20 ms, at most `ms`. */
async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('an exporter that never calls back (issue 9, item 15)', () => {
  it('its exports are given up at the export timeout and its spans counted as dropped', async () => {
    const warnings = collectWarnings();
    const blackhole = { name: 'blackhole', exporter: { export() {}, shutdown: async () => {} } };
    initTracing({ backends: [blackhole], flushTimeoutMs: 300 });
    for (let i = 0; i < 5; i++) expect(await step.invoke(i)).toBe(i + 1);
    await initTracing().forceFlush();
    expect(await eventually(() => getTracingStats().dropped === 5)).toBe(true);
    expect(getTracingStats()).toMatchObject({ ended: 5, exported: 0, dropped: 5 });
    expect(warnings.filter((w) => w.includes('blackhole'))).toHaveLength(1);
  });
});

describe('timeouts longer than a Node timer keeps (2^31-1 ms)', () => {
  it('a huge flush timeout and batch delay mean "wait long": nothing is given up at once, no process warning', async () => {
    const processWarnings: string[] = [];
    const onWarning = (warning: Error) => processWarnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const slow = {
        name: 'slow',
        scheduledDelayMillis: 3_000_000_000,
        exporter: {
          export(_spans: unknown[], done: (r: { code: number }) => void) {
            setTimeout(() => done({ code: 0 }), 30);
          },
          shutdown: async () => {},
        },
      };
      initTracing({ backends: [slow], flushTimeoutMs: 3_000_000_000 });
      for (let i = 0; i < 3; i++) await step.invoke(i);
      await initTracing().forceFlush();
      expect(getTracingStats()).toMatchObject({ ended: 3, exported: 3, dropped: 0 });
      expect(processWarnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('flushing through the provider itself', () => {
  it("the provider's forceFlush() still waits for the batch to be delivered (batched and immediate)", async () => {
    for (const exportMode of ['batched', 'immediate'] as const) {
      const delivered: number[] = [];
      const slow = {
        name: 'slow',
        exporter: {
          export(spans: unknown[], done: (r: { code: number }) => void) {
            setTimeout(() => {
              delivered.push(spans.length);
              done({ code: 0 });
            }, 50);
          },
          shutdown: async () => {},
        },
      };
      const handle = initTracing({ backends: [slow], exportMode });
      for (let i = 0; i < 4; i++) await step.invoke(i);
      await (handle.provider as unknown as { forceFlush(): Promise<void> }).forceFlush();
      expect(delivered.reduce((a, b) => a + b, 0)).toBe(4);
      expect(getTracingStats()).toMatchObject({ ended: 4, exported: 4, dropped: 0 });
      await shutdownTracing();
    }
  });
});

describe('repeated flushes against a backend that is down (issue 9, item 16)', () => {
  it('one report for the backend and kind of failure, not one per flush', async () => {
    const down = await startFaultServer('down');
    const warnings = collectWarnings();
    initTracing({ backends: ['otlp'], otlp: { url: `${down.url}/v1/traces` }, flushTimeoutMs: 300 });
    for (let i = 0; i < 20; i++) {
      await step.invoke(i);
      await initTracing().forceFlush();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/backend "otlp" failed to export .*ECONNREFUSED/);
    await shutdownTracing();
    expect(getTracingStats()).toMatchObject({ ended: 20, exported: 0, dropped: 20 });
    expect(warnings).toHaveLength(1);
  });
});

describe('shutdown and a new initTracing (issue 9, item 18)', () => {
  it('settings of an earlier initTracing do not survive shutdownTracing() and a new initTracing()', async () => {
    const before = getTracingSettings();
    const beforeContext = getTraceContext();
    initTracing({
      backends: [memory()],
      mask: () => 'masked',
      redactKeys: ['ssn'],
      maxContentChars: 300,
      streamIdleTimeoutMs: 50,
      captureContent: false,
      defaults: { tags: ['first-init'] },
    });
    expect(getTracingSettings().maxStringChars).toBe(300);
    await shutdownTracing();
    const after = getTracingSettings();
    expect(after.mask).toBe(before.mask);
    expect(after.redactKeys).toEqual(before.redactKeys);
    expect(after.maxContentChars).toBe(before.maxContentChars);
    expect(after.maxStringChars).toBe(before.maxStringChars);
    expect(after.streamIdleTimeoutMs).toBe(before.streamIdleTimeoutMs);
    expect(getTraceContext().tags).toEqual(beforeContext.tags);
    expect(getTraceContext().captureContent).toBe(beforeContext.captureContent);

    initTracing({ backends: [memory()] });
    const second = getTracingSettings();
    expect(second.mask).toBeUndefined();
    expect(second.redactKeys).toEqual(DEFAULT_REDACT_KEYS);
    expect(second.maxContentChars).toBe(4_096);
    expect(second.maxStringChars).toBe(4_096);
    expect(second.streamIdleTimeoutMs).toBe(60_000);
    expect(getTraceContext().tags).not.toContain('first-init');
    expect(getTraceContext().captureContent).toBe(true);
  });

  it('getTracingStats() keeps the final counts after shutdown, and starts from zero at the next init', async () => {
    initTracing({ backends: [memory()] });
    for (let i = 0; i < 3; i++) await step.invoke(i);
    await shutdownTracing();
    expect(getTracingStats()).toEqual({ ended: 3, exported: 3, dropped: 0, failedExports: 0 });
    initTracing({ backends: [memory()] });
    expect(getTracingStats()).toEqual({ ended: 0, exported: 0, dropped: 0, failedExports: 0 });
  });

  it('a second initTracing() with different options warns once; with the same options it stays silent', () => {
    const warnings = collectWarnings();
    const backend = memory();
    const mask = (v: unknown) => v;
    const first = initTracing({ backends: [backend], serviceName: 'svc', mask, defaults: { tags: ['a'] } });
    expect(initTracing({ backends: [backend], serviceName: 'svc', mask, defaults: { tags: ['a'] } })).toBe(
      first,
    );
    expect(warnings).toHaveLength(0);
    expect(initTracing({ backends: [backend], serviceName: 'other' })).toBe(first);
    expect(initTracing({ backends: ['console'] })).toBe(first);
    expect(initTracing()).toBe(first);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /initTracing\(\) was called again with different options.*shutdownTracing\(\)/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { type ChildResult, runChild } from '../process-exit/run-child.js';
import { startFaultServer } from './fault-server.js';

const FLUSH_TIMEOUT_MS = 1000;
/** Slack for a loaded 2-core machine; far below what one more export timeout per batch would add. */
const SLACK_MS = 1500;

interface Final {
  stats: { ended: number; exported: number; dropped: number; failedExports: number };
  warnings: string[];
}
const finalOf = (r: ChildResult) => r.lines.find((l) => l.final === true) as unknown as Final | undefined;

function expectBoundedExit(result: ChildResult, spans: number) {
  expect(result.killed, `child was still alive after the kill timer\n${result.stderr}`).toBe(false);
  expect(result.code).toBe(0);
  // The total deadline holds: from the end of the work to the end of the process.
  expect(result.afterMarkMs).toBeLessThan(FLUSH_TIMEOUT_MS + SLACK_MS);
  const final = finalOf(result);
  expect(final).toBeDefined();
  // Every span is accounted for: exported or counted as dropped.
  expect(final!.stats.ended).toBe(spans);
  expect(final!.stats.exported + final!.stats.dropped).toBe(spans);
  // Every case here loses spans at the deadline: reported, and not per span or per batch.
  expect(final!.warnings.length).toBeGreaterThanOrEqual(1);
  expect(final!.warnings.length).toBeLessThanOrEqual(3);
  return final!;
}

describe.concurrent('one total deadline for shutdown and the exit flush (issue 9, items 14 and 15)', () => {
  it('a backend answering 200 then dripping a byte every 200 ms: shutdownTracing() returns and the process ends within flushTimeoutMs', async () => {
    const server = await startFaultServer('drip');
    try {
      const result = await runChild('./deadline-child.ts', {
        MODE: 'shutdown',
        SPANS: '50',
        LAZYTRACE_BACKENDS: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
        LAZYTRACE_FLUSH_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS),
      });
      const final = expectBoundedExit(result, 50);
      expect(server.requests()).toBeGreaterThan(0);
      const shutdown = result.lines.find((l) => 'shutdownMs' in l) as { shutdownMs: number };
      expect(shutdown.shutdownMs).toBeLessThan(FLUSH_TIMEOUT_MS + SLACK_MS);
      expect(final.stats.dropped).toBe(50);
    } finally {
      await server.close();
    }
  });

  it('natural exit, dripping backend: the exit flush ends at the deadline', async () => {
    const server = await startFaultServer('drip');
    try {
      const result = await runChild('./deadline-child.ts', {
        MODE: 'natural',
        SPANS: '50',
        LAZYTRACE_BACKENDS: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
        LAZYTRACE_FLUSH_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS),
      });
      expectBoundedExit(result, 50);
    } finally {
      await server.close();
    }
  });

  it('natural exit, hanging backend, 2,000 pending spans: one deadline, not one per batch', async () => {
    const server = await startFaultServer('hang');
    try {
      const result = await runChild('./deadline-child.ts', {
        MODE: 'natural',
        SPANS: '2000',
        LAZYTRACE_BACKENDS: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
        LAZYTRACE_FLUSH_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS),
      });
      const final = expectBoundedExit(result, 2000);
      expect(final.stats.dropped).toBe(2000);
    } finally {
      await server.close();
    }
  });

  it('a custom exporter that never calls back: the process ends within the deadline and its spans are counted', async () => {
    const result = await runChild('./deadline-child.ts', {
      MODE: 'natural',
      SPANS: '30',
      BACKEND: 'blackhole',
      LAZYTRACE_FLUSH_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS),
    });
    const final = expectBoundedExit(result, 30);
    expect(final.stats.dropped).toBe(30);
    expect(final.stats.exported).toBe(0);
  });

  it('the same exporter with shutdownTracing(): returns within the deadline, spans counted', async () => {
    const result = await runChild('./deadline-child.ts', {
      MODE: 'shutdown',
      SPANS: '30',
      BACKEND: 'blackhole',
      LAZYTRACE_FLUSH_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS),
    });
    const final = expectBoundedExit(result, 30);
    expect(final.stats.dropped).toBe(30);
  });
});

import { initTracing, shutdownTracing } from '@lazytrace/config';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { makeApp } from './support/app.js';
import { skipBrowser } from './support/browser.js';
import { manyTraces, recordSpans } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

const rowTexts = (page: Page) => page.$$eval('.trace-row', (els) => els.map((e) => e.textContent ?? ''));

describe.skipIf(skipBrowser)('live traces, in Chromium', () => {
  const viewer = useViewerSuite();
  // The first test installs lazytrace's own OTLP backend; a failing test would leave it running.
  afterAll(() => shutdownTracing(), 60_000);

  it("an app's traces arrive over OTLP and appear without a reload, with the indicator", async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(viewer.api.url);
    await page.waitForSelector('[data-testid=trace-list-empty]');
    await expect.poll(() => page.getAttribute('[data-testid=live-indicator]', 'data-status')).toBe('live');

    // The app as a user runs it: lazytrace's own OTLP backend pointed at the service.
    initTracing({
      backends: ['otlp'],
      otlp: { url: `${viewer.api.server.url}/v1/traces`, protocol: 'http/protobuf' },
      serviceName: 'viewer-live',
      exportMode: 'immediate',
      env: {},
    });
    const run = makeApp();
    await run({ question: 'live question A', retrieveMs: 1, llmMs: 1, sessionId: 'live-s', userId: 'lin' });
    await expect.poll(() => rowTexts(page), { timeout: 15_000 }).toHaveLength(1);
    await run({ question: 'live question B', retrieveMs: 1, llmMs: 1 });
    await expect.poll(() => rowTexts(page), { timeout: 15_000 }).toHaveLength(2);

    const rows = await rowTexts(page);
    // Newest first, with the request's input and output, session and user.
    expect(rows[0]).toContain('live question B');
    expect(rows[1]).toContain('live question A');
    expect(rows[1]).toContain('session live-s');
    expect(rows[1]).toContain('user lin');
    expect(rows[1]).toContain('see chapter 3');
    expect(rows[1]).toContain('gpt-4o-mini');
    await expect.poll(() => page.textContent('[data-testid=live-indicator]')).toContain('2 new');
    // The distribution follows (refreshed from /api/stats shortly after new traces).
    await expect.poll(() => page.textContent('[data-testid=tile-requests]'), { timeout: 10_000 }).toBe('2');
    await page.close();
  });

  it('a burst of 300 traces arrives in batches and every one is listed', { timeout: 90_000 }, async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(viewer.api.url);
    await page.waitForSelector('.trace-row');
    await expect.poll(() => page.getAttribute('[data-testid=live-indicator]', 'data-status')).toBe('live');
    const before = await page.$$eval('.trace-row', (els) => els.length);
    await shutdownTracing();
    const spans = await recordSpans((provider) => manyTraces(provider, 300));
    for (let i = 0; i < spans.length; i += 50) await viewer.api.add(spans.slice(i, i + 50));
    await expect
      .poll(() => page.textContent('.list-foot'), { timeout: 30_000 })
      .toBe(`All ${before + 300} matching traces loaded`);
    await expect.poll(() => page.textContent('[data-testid=live-indicator]')).toContain('300 new');
    await page.close();
  });
});

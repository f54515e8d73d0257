import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../support/otel.js';
import { launchBrowser, skipBrowser } from './support/browser.js';
import { type Service, startService } from './support/service.js';
import { drain, manyTraces } from './support/spans.js';

const COUNT = 1_200;

describe.skipIf(skipBrowser)('paging through thousands of traces, in Chromium', () => {
  let browser: Browser;
  let api: Service;

  beforeAll(async () => {
    const { exporter, provider } = installTestTracing();
    manyTraces(provider, COUNT);
    const spans = drain(exporter);
    uninstallTestTracing();
    api = await startService(spans);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  }, 60_000);

  it('scrolling to the end pages in the rest with the cursor; the DOM stays small', {
    timeout: 90_000,
  }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const cursors: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/traces' && u.searchParams.has('cursor'))
        cursors.push(u.searchParams.get('cursor')!);
    });
    await page.goto(api.url);
    await page.waitForSelector('.trace-row');
    // The server's count (until /api/stats answers, the tile counts the loaded page).
    await expect.poll(() => page.textContent('[data-testid=tile-requests]')).toBe('1200');
    await page.focus('[data-testid=trace-list]');
    // End, again and again: each time the end comes into view, the next page is read.
    await expect
      .poll(
        async () => {
          await page.keyboard.press('End');
          return page.textContent('.list-foot');
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(`All ${COUNT} matching traces loaded`);
    expect(cursors.length).toBeGreaterThanOrEqual(Math.ceil(COUNT / 200) - 1);
    expect(new Set(cursors).size).toBe(cursors.length);
    // The last page may have landed between an End and the check: go to the end of the full list.
    await page.keyboard.press('End');
    // The oldest trace is last, and only a screenful of rows exists.
    const lastRow = () =>
      page.$$eval(
        '.trace-row',
        (els) =>
          els
            .map((e) => ({ top: e.getBoundingClientRect().top, text: e.textContent ?? '' }))
            .sort((a, b) => b.top - a.top)[0]!.text,
      );
    await expect.poll(lastRow).toContain('request-0');
    expect(await page.$$eval('.trace-row', (els) => els.length)).toBeLessThan(60);
    await page.close();
  });
});

import { describe, expect, it } from 'vitest';
import { skipBrowser } from './support/browser.js';
import { manyTraces, recordSpans } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

const COUNT = 1_200;

describe.skipIf(skipBrowser)('paging through thousands of traces, in Chromium', () => {
  const viewer = useViewerSuite(() => recordSpans((provider) => manyTraces(provider, COUNT)));

  it('scrolling to the end pages in the rest with the cursor; the DOM stays small', {
    timeout: 90_000,
  }, async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const cursors: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/traces' && u.searchParams.has('cursor'))
        cursors.push(u.searchParams.get('cursor')!);
    });
    await page.goto(viewer.api.url);
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

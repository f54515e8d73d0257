import { describe, expect, it } from 'vitest';
import { skipBrowser } from './support/browser.js';
import { manyTraces, recordSpans } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

const KEEP = 40;
const COUNT = 100;

describe.skipIf(skipBrowser)(
  'the overview holds a bounded list while traces arrive live, in Chromium',
  () => {
    const viewer = useViewerSuite();

    it(`keeps the newest ${KEEP} of ${COUNT} live traces; paging brings the dropped ones back, each once`, {
      timeout: 90_000,
    }, async () => {
      const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${viewer.api.url}#/?keep=${KEEP}`);
      await page.waitForSelector('[data-testid=trace-list-empty]');
      await expect.poll(() => page.getAttribute('[data-testid=live-indicator]', 'data-status')).toBe('live');
      // The most rows the list ever held, seen by the page itself on every change.
      await page.evaluate(() => {
        // (This runs in the page: its DOM globals, typed here as far as used.)
        interface PageGlobals {
          maxHeld: number;
          document: {
            body: unknown;
            querySelector(s: string): { getAttribute(n: string): string | null } | null;
          };
          MutationObserver: new (
            callback: () => void,
          ) => { observe(target: unknown, options: Record<string, boolean>): void };
        }
        const g = globalThis as unknown as PageGlobals;
        g.maxHeld = 0;
        new g.MutationObserver(() => {
          const list = g.document.querySelector('[data-testid=trace-list]');
          g.maxHeld = Math.max(g.maxHeld, Number(list?.getAttribute('data-count') ?? 0));
        }).observe(g.document.body, { subtree: true, childList: true, attributes: true });
      });

      const spans = await recordSpans((provider) => manyTraces(provider, COUNT));
      for (let i = 0; i < spans.length; i += 20) await viewer.api.add(spans.slice(i, i + 20));

      await expect
        .poll(() => page.textContent('[data-testid=live-indicator]'), { timeout: 30_000 })
        .toContain(`${COUNT} new`);
      const held = () => page.getAttribute('[data-testid=trace-list]', 'data-count');
      await expect.poll(held).toBe(String(KEEP));
      expect(await page.evaluate(() => (globalThis as unknown as { maxHeld: number }).maxHeld)).toBe(KEEP);
      // The rest is there to page in, not lost.
      expect(await page.textContent('.list-foot')).toBe('Load more');
      const first = await page.$eval('.trace-row', (e) => e.textContent ?? '');
      expect(first).toContain(`request-${COUNT - 1}`);

      await page.focus('[data-testid=trace-list]');
      await expect
        .poll(
          async () => {
            await page.keyboard.press('End');
            return page.textContent('.list-foot');
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(`All ${COUNT} matching traces loaded`);
      expect(await held()).toBe(String(COUNT));
      // The oldest trace is last.
      const last = await page.$$eval(
        '.trace-row',
        (els) =>
          els
            .map((e) => ({ top: e.getBoundingClientRect().top, text: e.textContent ?? '' }))
            .sort((a, b) => b.top - a.top)[0]!.text,
      );
      expect(last).toContain('request-0');
      await page.close();
    });
  },
);

import { describe, expect, it } from 'vitest';
import { skipBrowser } from './support/browser.js';
import { bigTrace, recordSpans } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

describe.skipIf(skipBrowser)('a 10,000-span trace, in Chromium', () => {
  let traceId: string;
  let lastInTreeOrder: string;

  const viewer = useViewerSuite(async () => {
    const spans = await recordSpans((provider) => {
      traceId = bigTrace(provider, 10_000);
    });

    expect(spans).toHaveLength(10_000);

    // The last row of the tree: from the root, always the child that starts last.

    let node = spans.find((s) => !s.parentSpanId)!;

    for (;;) {
      const kids = spans.filter((s) => s.parentSpanId === node.spanId).sort((a, b) => a.startMs - b.startMs);

      if (kids.length === 0) break;

      node = kids[kids.length - 1]!;
    }

    lastInTreeOrder = node.name;

    return spans;
  });

  it('opens, renders only the rows in view, and stays navigable', { timeout: 60_000 }, async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${viewer.api.url}#/trace/${traceId}`);
    await page.waitForSelector('[data-testid=span-tree] [role=treeitem]', { timeout: 45_000 });
    expect(await page.textContent('.trace-facts')).toContain('10.0k');
    // Virtualized: the DOM holds a screenful of rows, not 10,000.
    const inDom = await page.$$eval('[data-testid=span-tree] [role=treeitem]', (els) => els.length);
    expect(inDom).toBeGreaterThan(10);
    expect(inDom).toBeLessThan(120);
    // 10 failures (every 997th span) are reported.
    expect(await page.textContent('[data-testid=trace-errors]')).toContain('10 spans failed');

    // End goes to the last span in tree order, scrolled into view.
    await page.focus('[data-testid=span-tree]');
    await page.keyboard.press('End');
    await page.waitForSelector(`[role=treeitem][aria-selected=true][data-span-name="${lastInTreeOrder}"]`);
    expect(await page.textContent('.detail-head h2')).toContain(lastInTreeOrder);

    // Collapsing the root hides the 9,999 others.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    await expect
      .poll(() => page.$$eval('[data-testid=span-tree] [role=treeitem]', (els) => els.length))
      .toBe(1);

    // Search reaches a deep span, expanding its ancestors.
    await page.fill('[data-testid=trace-search]', 'big-8765');
    await page.press('[data-testid=trace-search]', 'Enter');
    await page.waitForSelector('[role=treeitem][aria-selected=true][data-span-name="big-8765"]');
    expect(await page.textContent('[data-testid=value-input]')).toContain('8765');
    await page.close();
  });
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeApp, type RequestPlan } from './support/app.js';
import { skipBrowser } from './support/browser.js';
import { recordSpans } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

// 12 fast requests, 5 slow ones and one that fails: a distribution with two humps.
const plans: RequestPlan[] = [
  ...Array.from({ length: 12 }, (_, i) => ({
    question: `fast question ${i}`,
    retrieveMs: 2,
    llmMs: 3,
    sessionId: `s-${i % 3}`,
    userId: `u-${i % 2}`,
    tags: ['fast'],
  })),
  ...Array.from({ length: 5 }, (_, i) => ({
    question: `slow question ${i}`,
    retrieveMs: 60,
    llmMs: 400,
    tags: ['slow'],
  })),
  { question: 'broken question', retrieveMs: 5, llmMs: 5, fail: true, sessionId: 's-0', userId: 'u-0' },
];

const hashOf = (page: Page) => page.evaluate('window.location.hash') as Promise<string>;

async function rows(page: Page): Promise<{ id: string; duration: number; text: string }[]> {
  return page.$$eval('.trace-row', (els) =>
    els.map((e) => ({
      id: e.getAttribute('data-trace-id') ?? '',
      duration: Number(e.getAttribute('data-duration')),
      text: e.textContent ?? '',
    })),
  );
}

describe.skipIf(skipBrowser)('viewer overview, in Chromium', () => {
  const viewer = useViewerSuite(() => recordSpans(() => Promise.all(plans.map(makeApp()))));

  it('brushing the histogram narrows the list to that duration range', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(viewer.api.url);
    await page.waitForSelector('[data-testid=histogram] .u-over');
    const before = await rows(page);
    expect(before.filter((r) => r.duration >= 400).length).toBeGreaterThanOrEqual(5);

    const box = (await page.locator('[data-testid=histogram] .u-over').boundingBox())!;
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();

    // The brush became the duration filter (in the URL, so it is shareable) …
    await expect.poll(() => hashOf(page)).toContain('maxDurationMs');
    const hash = new URLSearchParams((await hashOf(page)).split('?')[1]);
    const min = Number(hash.get('minDurationMs'));
    const max = Number(hash.get('maxDurationMs'));
    // The drag ended at 40% of the axis: the slowest requests are outside the range.
    expect(max).toBeLessThan(Math.max(...before.map((r) => r.duration)));
    // … and the list holds exactly the traces in that range.
    const expected = before
      .filter((r) => r.duration >= min && r.duration <= max)
      .map((r) => r.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(before.length);
    await expect.poll(async () => (await rows(page)).map((r) => r.id).sort()).toEqual(expected);
    expect(await page.inputValue('input[name=maxDurationMs]')).not.toBe('');
    await page.close();
  });

  it('filters map to the API query and narrow the list', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(viewer.api.url);
    await page.waitForSelector('.trace-row');
    const request = page.waitForRequest(
      (r) => r.url().includes('/api/traces?') && r.url().includes('status=error'),
    );
    await page.selectOption('select[name=status]', 'error');
    await request;
    await expect.poll(async () => (await rows(page)).length).toBe(1);
    expect((await rows(page))[0]!.text).toContain('broken question');

    await page.selectOption('select[name=status]', '');
    const bySession = page.waitForRequest((r) => r.url().includes('session=s-1'));
    await page.fill('input[name=session]', 's-1');
    await bySession;
    await expect.poll(async () => (await rows(page)).length).toBe(4);
    for (const r of await rows(page)) expect(r.text).toContain('session s-1');
    await page.close();
  });

  it('sessions page groups the traces by session, in order, with the user', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${viewer.api.url}#/sessions`);
    await page.waitForSelector('.session-head');
    const heads = await page.$$eval('.session-id', (els) => els.map((e) => e.textContent));
    expect([...heads].sort()).toEqual(['s-0', 's-1', 's-2']);
    await page.click('.session-head:has-text("s-0")');
    await page.waitForSelector('.session-trace');
    const items = await page.$$eval('.session-trace', (els) => els.map((e) => e.textContent ?? ''));
    // s-0: fast questions 0, 3, 6, 9 and the broken one, oldest first.
    expect(items).toHaveLength(5);
    expect(items.filter((t) => t.includes('user u-0')).length).toBeGreaterThan(0);
    await page.close();
  });

  it("the window's analysis explains failures and slow requests, with links to traces", async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(viewer.api.url);
    await page.click('.window-analysis summary');
    await page.waitForSelector('[data-testid=window-analysis]');
    const text = await page.textContent('[data-testid=window-analysis]');
    expect(text).toContain('Errors');
    expect(text).toContain('vector store timeout');
    expect(text).toContain('Slowest requests');
    // A slow request names the span it mostly waited on, and links to it.
    await page.click('[data-testid=window-analysis] .plain li a');
    await page.waitForSelector('[data-testid=span-tree]');
    expect(await hashOf(page)).toMatch(/^#\/trace\/[0-9a-f]{32}/);
    await page.close();
  });

  it('keyboard: the list is reachable and Enter opens the active trace', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(viewer.api.url);
    await page.waitForSelector('.trace-row');
    await page.focus('[data-testid=trace-list]');
    await page.keyboard.press('ArrowDown');
    const second = (await rows(page))[1]!.id;
    await page.keyboard.press('Enter');
    await expect.poll(() => hashOf(page)).toBe(`#/trace/${second}`);
    await page.waitForSelector('[data-testid=span-tree]');
    await page.close();
  });
});

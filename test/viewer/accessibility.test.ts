import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeApp } from './support/app.js';
import { skipBrowser } from './support/browser.js';
import { recordSpans } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface Violation {
  id: string;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's WCAG 2.x A and AA rules (contrast included) on the page as it is now. */
async function audit(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)",
  )) as Violation[];
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${v.help} at ${n.target.join(' ')}`));
}

describe.skipIf(skipBrowser)('accessibility (axe-core, WCAG 2.1 A/AA), in Chromium', () => {
  let traceId: string;

  const viewer = useViewerSuite(async () => {
    const spans = await recordSpans(async () => {
      const run = makeApp();
      await run({
        question: 'How do tides work?',
        retrieveMs: 2,
        llmMs: 30,
        sessionId: 'a11y',
        userId: 'ada',
        tags: ['t'],
      });
      await run({ question: 'Which index is down?', retrieveMs: 2, llmMs: 2, fail: true });
    });
    traceId = spans[0]!.traceId;
    return spans;
  });

  it('the audit does catch a problem (a planted low-contrast text and an unlabeled input)', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(viewer.api.url);
    await page.waitForSelector('.trace-row');
    await page.evaluate(
      `document.querySelector('.dist').insertAdjacentHTML('beforeend', '<p style="color:#ccc">faint</p><input type="text">')`,
    );
    const found = await audit(page);
    expect(found.some((v) => v.startsWith('color-contrast'))).toBe(true);
    expect(found.some((v) => v.startsWith('label'))).toBe(true);
    await page.close();
  });

  for (const [label, width] of [
    ['1280×800', 1280],
    ['a narrow window', 420],
  ] as const) {
    it(`overview, trace page and sessions at ${label}: no violations`, { timeout: 60_000 }, async () => {
      const page = await viewer.browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(viewer.api.url);
      await page.waitForSelector('.trace-row');
      await page.waitForSelector('[data-testid=histogram] canvas');
      expect(await audit(page)).toEqual([]);

      await page.goto(`${viewer.api.url}#/trace/${traceId}`);
      await page.waitForSelector('[data-span-name=llm]');
      await page.click('[data-span-name=llm]');
      await page.waitForSelector('.conversation');
      expect(await audit(page)).toEqual([]);
      await page.click('[data-testid=analysis-tab]');
      await page.waitForSelector('[data-testid=analysis]');
      expect(await audit(page)).toEqual([]);

      await page.goto(`${viewer.api.url}#/sessions?session=a11y`);
      await page.waitForSelector('.session-trace');
      expect(await audit(page)).toEqual([]);
      await page.close();
    });
  }
});

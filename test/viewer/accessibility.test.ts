import { createRequire } from 'node:module';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../support/otel.js';
import { makeApp } from './support/app.js';
import { launchBrowser, skipBrowser } from './support/browser.js';
import { type Service, startService } from './support/service.js';
import { drain } from './support/spans.js';

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
  let browser: Browser;
  let api: Service;
  let exporter: InMemorySpanExporter;
  let traceId: string;

  beforeAll(async () => {
    ({ exporter } = installTestTracing());
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
    const spans = drain(exporter);
    traceId = spans[0]!.traceId;
    api = await startService(spans);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    uninstallTestTracing();
  }, 60_000);

  it('the audit does catch a problem (a planted low-contrast text and an unlabeled input)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(api.url);
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
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(api.url);
      await page.waitForSelector('.trace-row');
      await page.waitForSelector('[data-testid=histogram] canvas');
      expect(await audit(page)).toEqual([]);

      await page.goto(`${api.url}#/trace/${traceId}`);
      await page.waitForSelector('[data-span-name=llm]');
      await page.click('[data-span-name=llm]');
      await page.waitForSelector('.conversation');
      expect(await audit(page)).toEqual([]);
      await page.click('[data-testid=analysis-tab]');
      await page.waitForSelector('[data-testid=analysis]');
      expect(await audit(page)).toEqual([]);

      await page.goto(`${api.url}#/sessions?session=a11y`);
      await page.waitForSelector('.session-trace');
      expect(await audit(page)).toEqual([]);
      await page.close();
    });
  }
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeTraces, buildTrace, computeStats, groupByTrace, summarizeTrace } from '@lazytrace/traces';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOfflineReport } from '../../packages/viewer/src/index.js';
import { makeApp } from './support/app.js';
import { launchBrowser, skipBrowser } from './support/browser.js';
import { recordSpans } from './support/spans.js';

const HOSTILE = '</script><script>window.__pwned = 1</script><!--';

describe.skipIf(skipBrowser)('offline report, opened from file:// in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let file: string;
  let ids: { ok: string; failed: string };

  beforeAll(async () => {
    const spans = await recordSpans(async () => {
      const run = makeApp();
      await run({
        question: 'first question',
        retrieveMs: 3,
        llmMs: 8,
        sessionId: 'report-s',
        userId: 'grace',
      });
      await run({ question: `hostile ${HOSTILE}`, retrieveMs: 3, llmMs: 3 });
      await run({ question: 'failing question', retrieveMs: 3, llmMs: 3, fail: true });
    });
    const groups = [...groupByTrace(spans).values()];
    // What `lazytrace export-html` hands over: the API's shapes.
    const traces = groups.map((spans) => buildTrace(spans, 'debug'));
    const html = renderOfflineReport({
      traces,
      analysis: analyzeTraces(groups),
      stats: computeStats(groups.map((g) => summarizeTrace(g))),
      title: 'nightly run',
    });
    dir = await mkdtemp(join(tmpdir(), 'lazytrace-report-'));
    file = join(dir, 'report.html');
    await writeFile(file, html);
    ids = {
      ok: traces.find((t) => t.trace.input?.includes('first question'))!.trace.traceId,
      failed: traces.find((t) => t.trace.status === 'error')!.trace.traceId,
    };
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('opens with no server: the list, then a trace with its span detail', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('.trace-row');
    expect(await page.$$eval('.trace-row', (els) => els.length)).toBe(3);
    expect(await page.textContent('[data-testid=live-indicator]')).toContain('Offline report · nightly run');
    expect(await page.title()).toContain('nightly run');
    // The histogram comes from the embedded stats.
    await page.waitForSelector('[data-testid=histogram] canvas');
    expect(await page.textContent('[data-testid=tile-requests]')).toBe('3');

    await page.click(`[data-trace-id="${ids.ok}"]`);
    await page.waitForSelector('[data-span-name=llm]');
    await page.click('[data-span-name=llm]');
    expect(await page.textContent('.msg-user')).toContain('first question');
    // The report's analysis, narrowed to this trace's spans.
    await page.click('[data-testid=analysis-tab]');
    await page.waitForSelector('.bottlenecks');
    const rows = await page.$$eval('.bottlenecks tbody tr', (els) => els.map((e) => e.textContent ?? ''));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => /rag|retriever|prompt|llm/.test(r))).toBe(true);

    await page.goto(`${pathToFileURL(file).href}#/trace/${ids.failed}`);
    await page.waitForSelector('[data-testid=trace-errors]');
    expect(await page.textContent('[data-testid=trace-errors]')).toContain('vector store timeout');

    await page.goto(`${pathToFileURL(file).href}#/sessions`);
    await page.click('.session-head:has-text("report-s")');
    expect(await page.textContent('.session-trace')).toContain('user grace');

    // Nothing but the file itself was loaded: no network, no CDN.
    expect(requests.every((u) => u.startsWith('file:') || u.startsWith('data:'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('embedded data cannot break out of its script element', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('.trace-row');
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    // The hostile text is shown as text.
    await page.fill('input[name=q]', 'hostile');
    await expect.poll(() => page.$$eval('.trace-row', (els) => els.length)).toBe(1);
    expect(await page.textContent('.trace-row')).toContain('</script><script>window.__pwned = 1</script>');
    await page.close();
  });
});

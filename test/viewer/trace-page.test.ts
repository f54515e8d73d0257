import type { SpanRecord } from '@lazytrace/traces';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeApp } from './support/app.js';
import { skipBrowser } from './support/browser.js';
import { recordSpans } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

interface Row {
  name: string;
  level: number;
  error: boolean;
  critical: boolean;
  selected: boolean;
}

async function tree(page: Page): Promise<Row[]> {
  return page.$$eval('[data-testid=span-tree] [role=treeitem]', (els) =>
    els
      .map((e) => ({
        top: e.getBoundingClientRect().top,
        name: e.getAttribute('data-span-name') ?? '',
        level: Number(e.getAttribute('aria-level')),
        error: e.classList.contains('error'),
        critical: e.classList.contains('critical'),
        selected: e.getAttribute('aria-selected') === 'true',
      }))
      .sort((a, b) => a.top - b.top)
      .map(({ top: _top, ...row }) => row),
  );
}

/** The tree as the SDK recorded it: names with depth, children in start order. */
function expectedTree(spans: SpanRecord[]): { name: string; level: number }[] {
  const out: { name: string; level: number }[] = [];
  const visit = (s: SpanRecord, level: number) => {
    out.push({ name: s.name, level });
    for (const c of spans.filter((k) => k.parentSpanId === s.spanId).sort((a, b) => a.startMs - b.startMs))
      visit(c, level + 1);
  };
  visit(spans.find((s) => !s.parentSpanId)!, 1);
  return out;
}

describe.skipIf(skipBrowser)('viewer trace page, in Chromium', () => {
  let ok: SpanRecord[];
  let failed: SpanRecord[];

  const viewer = useViewerSuite(async () => {
    const run = makeApp();
    ok = await recordSpans(() =>
      run({
        question: 'What does chapter 3 say?',
        retrieveMs: 5,
        llmMs: 20,
        sessionId: 's-9',
        userId: 'ada',
      }),
    );

    failed = await recordSpans(() =>
      run({ question: 'Which index is down?', retrieveMs: 5, llmMs: 5, fail: true }),
    );

    return [...ok, ...failed];
  });

  it('shows the right tree and the error', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${viewer.api.url}#/trace/${failed[0]!.traceId}`);
    await page.waitForSelector('[data-testid=span-tree] [role=treeitem]');
    const rows = await tree(page);
    expect(rows.map(({ name, level }) => ({ name, level }))).toEqual(expectedTree(failed));
    expect(rows.map((r) => r.name)).toEqual(['rag', 'retriever']);
    expect(rows.every((r) => r.error)).toBe(true);
    expect(await page.textContent('[data-testid=trace-errors]')).toContain('vector store timeout after 5 ms');

    // The failing span's detail: the error and the recorded exception with its stack.
    await page.click('[data-span-name=retriever]');
    expect(await page.textContent('[data-testid=span-error]')).toContain('vector store timeout after 5 ms');
    const exception = await page.textContent('.exception');
    expect(exception).toContain('Error');
    expect(exception).toMatch(/at .*app\.ts/);
    await page.close();
  });

  it('a successful trace: tree in order, critical path, self time', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${viewer.api.url}#/trace/${ok[0]!.traceId}`);
    await page.waitForSelector('[data-testid=span-tree] [role=treeitem]');
    const rows = await tree(page);
    expect(rows.map(({ name, level }) => ({ name, level }))).toEqual(expectedTree(ok));
    expect(rows.map((r) => r.name)).toEqual(['rag', 'retriever', 'prompt', 'llm']);
    expect(rows.some((r) => r.error)).toBe(false);
    // Sequential steps: the request waits on each of them (the instant prompt step may or may not count).
    expect(rows.filter((r) => r.critical).map((r) => r.name)).toEqual(
      expect.arrayContaining(['rag', 'retriever', 'llm']),
    );
    expect(await page.textContent('.trace-facts')).toContain('ada');
    await page.close();
  });

  it('span detail shows the captured input, as a conversation, and the output', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${viewer.api.url}#/trace/${ok[0]!.traceId}`);
    await page.waitForSelector('[data-span-name=llm]');
    await page.click('[data-span-name=llm]');
    await page.waitForSelector('.conversation');
    expect(await page.textContent('.msg-system')).toContain('Answer from the context only.');
    expect(await page.textContent('.msg-user')).toContain('What does chapter 3 say?');
    expect(await page.textContent('[data-testid=value-output]')).toContain(
      'Answer to "What does chapter 3 say?"',
    );
    const attrs = await page.textContent('.attrs');
    expect(attrs).toContain('gen_ai.request.model');
    expect(attrs).toContain('gpt-4o-mini');
    // The raw JSON view of the same input.
    await page.click('[data-testid=value-input] button:has-text("JSON")');
    expect(await page.textContent('[data-testid=value-input] pre.json')).toContain('"role": "user"');

    // The retriever's input is the question (a JSON string, shown as text).
    await page.click('[data-span-name=retriever]');
    expect(await page.textContent('[data-testid=value-input]')).toContain('What does chapter 3 say?');
    await page.close();
  });

  it('copy buttons put the exact value on the clipboard', async () => {
    const context = await viewer.browser.newContext({
      viewport: { width: 1280, height: 800 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    await page.goto(`${viewer.api.url}#/trace/${ok[0]!.traceId}`);
    await page.waitForSelector('[data-span-name=llm]');
    await page.click('[data-span-name=llm]');
    await page.click('[data-testid=value-input] button:has-text("Copy input")');
    await page.waitForSelector('[data-testid=value-input] button:has-text("Copied")');
    const copied = JSON.parse((await page.evaluate('navigator.clipboard.readText()')) as string);
    expect(copied).toEqual([
      { role: 'system', content: 'Answer from the context only.' },
      expect.objectContaining({ role: 'user' }),
    ]);
    await page.click('button:has-text("Copy id")');
    const llm = ok.find((s) => s.name === 'llm')!;
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(llm.spanId);
    await context.close();
  });

  it('keyboard: arrows move, left/right fold, Enter opens the detail; search jumps to matches', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${viewer.api.url}#/trace/${ok[0]!.traceId}`);
    await page.waitForSelector('[data-testid=span-tree] [role=treeitem]');
    await page.focus('[data-testid=span-tree]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect((await tree(page)).find((r) => r.selected)?.name).toBe('prompt');
    expect(await page.textContent('.detail-head h2')).toContain('prompt');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    expect((await tree(page)).map((r) => r.name)).toEqual(['rag']);
    await page.keyboard.press('ArrowRight');
    expect((await tree(page)).length).toBe(4);
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.classList.contains("side-body")')).toBe(true);

    await page.fill('[data-testid=trace-search]', 'gpt-4o');
    await page.press('[data-testid=trace-search]', 'Enter');
    expect(await page.textContent('[data-testid=match-count]')).toBe('1 / 1');
    expect((await tree(page)).find((r) => r.selected)?.name).toBe('llm');
    await page.close();
  });

  it('analysis beside the tree', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${viewer.api.url}#/trace/${ok[0]!.traceId}`);
    await page.waitForSelector('[data-testid=analysis-tab]');
    await page.click('[data-testid=analysis-tab]');
    await page.waitForSelector('[data-testid=analysis]');
    const text = await page.textContent('[data-testid=analysis]');
    expect(text).toContain('Bottlenecks');
    // The rows are the service's analysis of this trace, in its order.
    const analysis = (await (
      await fetch(`${viewer.api.url}api/traces/${ok[0]!.traceId}/analysis`)
    ).json()) as {
      bottlenecks: { name: string }[];
    };
    expect(analysis.bottlenecks.length).toBeGreaterThan(0);
    const names = await page.$$eval('.bottlenecks tbody tr td:first-child', (els) =>
      els.map((e) => (e.textContent ?? '').replace(/ ×\d+$/, '')),
    );
    expect(names).toEqual(analysis.bottlenecks.slice(0, 20).map((b) => b.name));
    await page.close();
  });

  it('a narrow window stacks the tree above the detail and stays usable', async () => {
    const page = await viewer.browser.newPage({ viewport: { width: 420, height: 800 } });
    await page.goto(`${viewer.api.url}#/trace/${ok[0]!.traceId}`);
    await page.waitForSelector('[data-span-name=llm]');
    await page.click('[data-span-name=llm]');
    const tree = (await page.locator('.waterfall').boundingBox())!;
    const side = (await page.locator('.side').boundingBox())!;
    expect(side.y).toBeGreaterThanOrEqual(tree.y + tree.height - 1);
    expect(tree.width).toBeLessThanOrEqual(420);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.close();
  });
});

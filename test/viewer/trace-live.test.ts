import { context, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../support/otel.js';
import { skipBrowser } from './support/browser.js';
import { drain } from './support/spans.js';
import { useViewerSuite } from './support/viewer-suite.js';

describe.skipIf(skipBrowser)('a trace page of a trace in progress, in Chromium', () => {
  const viewer = useViewerSuite();
  // The tests keep the SDK installed while their trace is in progress; a failing one leaves it so.
  afterAll(uninstallTestTracing);

  it('shows spans as they end and the root when it ends, without a reload; the selection stays', {
    timeout: 60_000,
  }, async () => {
    const { exporter, provider } = installTestTracing();
    const tracer = provider.getTracer('viewer-test');
    // A request still running: its first step has ended (and is exported), the root has not.
    const root = tracer.startSpan('agent-run', { attributes: { 'lazytrace.kind': 'agent' } });
    const inRoot = trace.setSpan(context.active(), root);
    const step1 = tracer.startSpan('step-1', {}, inRoot);
    step1.end();
    await viewer.api.add(drain(exporter));
    const traceId = root.spanContext().traceId;

    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/stream')) streams.push(new URL(r.url()).pathname);
    });
    await page.goto(`${viewer.api.url}#/trace/${traceId}`);
    await page.waitForSelector('[data-testid=trace-in-progress]');
    expect(await page.textContent('[data-testid=trace-span-count]')).toBe('1');
    expect(streams).toEqual([`/api/traces/${traceId}/stream`]);
    const selectedName = () => page.textContent('[data-testid=span-detail] h2');
    expect(await selectedName()).toContain('step-1');

    const step2 = tracer.startSpan('step-2', {}, inRoot);
    step2.end();
    await viewer.api.add(drain(exporter));
    await expect
      .poll(() => page.textContent('[data-testid=trace-span-count]'), { timeout: 15_000 })
      .toBe('2');
    await expect.poll(() => page.textContent('.waterfall, .trace-body')).toContain('step-2');

    root.end();
    await viewer.api.add(drain(exporter));
    await expect
      .poll(() => page.textContent('[data-testid=trace-span-count]'), { timeout: 15_000 })
      .toBe('3');
    await expect.poll(() => page.$('[data-testid=trace-in-progress]')).toBeNull();
    expect(await page.textContent('.trace-head h1')).toContain('agent-run');
    // The root now comes first in the tree: the selection followed step-1, not its old position.
    expect(await selectedName()).toContain('step-1');
    // Done: the stream was closed, not reconnected.
    await page.waitForTimeout(0);
    expect(streams).toHaveLength(1);
    await page.close();
  });

  it('a complete trace opens no stream', async () => {
    const { exporter, provider } = installTestTracing();
    const tracer = provider.getTracer('viewer-test');
    const root = tracer.startSpan('done-run');
    root.end();
    await viewer.api.add(drain(exporter));
    const page = await viewer.browser.newPage({ viewport: { width: 1280, height: 800 } });
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/stream')) streams.push(r.url());
    });
    await page.goto(`${viewer.api.url}#/trace/${root.spanContext().traceId}`);
    await page.waitForSelector('body[data-trace-ready=true]');
    expect(await page.$('[data-testid=trace-in-progress]')).toBeNull();
    expect(streams).toEqual([]);
    await page.close();
  });
});

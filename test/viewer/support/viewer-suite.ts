import type { SpanRecord } from '@lazytrace/traces';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.js';
import { type Service, startService } from './service.js';

export interface ViewerSuite {
  /** Chromium, launched once for the suite. */
  readonly browser: Browser;
  /** The trace service serving the viewer, holding the seeded spans. */
  readonly api: Service;
}

/**
 * Registers the suite's start-up and tear-down: the trace service seeded with the spans `seed`
 * returns (none without one), then Chromium; both closed after the suite. The fields are set
 * once `beforeAll` has run, so read them inside tests, not at collection time.
 */
export function useViewerSuite(
  seed: () => readonly SpanRecord[] | Promise<readonly SpanRecord[]> = () => [],
): ViewerSuite {
  const suite = {} as { browser: Browser; api: Service };
  beforeAll(async () => {
    suite.api = await startService(await seed());
    suite.browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.api?.close();
  }, 60_000);
  return suite;
}

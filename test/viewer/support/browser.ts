import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (what .ci/run installs), or one named by CHROMIUM_PATH. */
export const chromiumPath: string | undefined = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
].find((p): p is string => !!p && existsSync(p));

/**
 * Outside CI a machine without chromium skips the browser tests (saying so); in CI they must run,
 * so there a missing browser fails them instead.
 */
export const skipBrowser = !chromiumPath && !process.env.CI;
if (skipBrowser) {
  console.warn(
    'viewer browser tests skipped: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); in CI they run',
  );
}

export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath)
    throw new Error('chromium not found: the viewer tests need `apt-get install -y chromium`');
  // playwright-core drives the system browser; it never downloads one.
  return chromium.launch({ executablePath: chromiumPath, headless: true });
}

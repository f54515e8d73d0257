import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package as an application loads it (ESM and CJS), in a plain Node process: the web UI
// and the Node entry sit in the same dist/, and both entries find the assets.
const dist = fileURLToPath(new URL('../../packages/viewer/dist/', import.meta.url));
const script = (load: string) => `${load}
const dir = v.viewerAssetsDir();
const html = v.renderOfflineReport({ traces: [] });
console.log(JSON.stringify({ dir, built: v.viewerIsBuilt(), scripts: (html.match(/<script/g) || []).length, size: html.length }));`;

describe('@lazytrace/viewer as built', () => {
  for (const [label, args] of [
    ['CJS (require)', ['-e', script(`const v = require(${JSON.stringify(`${dist}index.cjs`)});`)]],
    [
      'ESM (import)',
      ['--input-type=module', '-e', script(`import * as v from ${JSON.stringify(`${dist}index.js`)};`)],
    ],
  ] as const) {
    it(`${label}: finds its assets and renders a report`, () => {
      const out = JSON.parse(execFileSync(process.execPath, [...args], { encoding: 'utf8' }));
      expect(out).toMatchObject({ dir: dist, built: true, scripts: 2 });
      // The whole app is inlined: well over the size of the data.
      expect(out.size).toBeGreaterThan(100_000);
    });
  }
});

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the built web UI (index.html + assets/), for a server to serve as static files.
 * src/ and dist/ both sit one level below the package root, so `../dist/` is right from either
 * (sources in tests, the built entry in use).
 */
export function viewerAssetsDir(): string {
  return fileURLToPath(new URL('../dist/', import.meta.url));
}

/** True when `pnpm --filter @lazytrace/viewer build` has produced the web UI. */
export function viewerIsBuilt(): boolean {
  return existsSync(fileURLToPath(new URL('../dist/index.html', import.meta.url)));
}

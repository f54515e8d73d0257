import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

let cached: string | null | undefined;

/**
 * The built web UI of @lazytrace/viewer (its `dist/` with `index.html`), or null when the package
 * is missing or not built. Looked up at the first request, so the service runs without it.
 */
export function viewerDir(): string | null {
  if (cached !== undefined) return cached;
  try {
    const pkg = createRequire(import.meta.url).resolve('@lazytrace/viewer/package.json');
    const dir = join(dirname(pkg), 'dist');
    cached = existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    cached = null;
  }
  return cached;
}

export const VIEWER_MISSING_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lazytrace</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>lazytrace trace service</h1>
<p>The service is running, but the viewer is not built, so there is no page to show here.</p>
<p>Build it with <code>pnpm --filter @lazytrace/viewer build</code> (or install <code>@lazytrace/viewer</code>),
then reload. The HTTP API works meanwhile: <a href="/api/traces">/api/traces</a>, <a href="/health">/health</a>.</p>
</body></html>
`;

/** A file of the viewer for a URL path, or undefined (never anything outside its folder). */
export async function viewerFile(path: string): Promise<{ body: Buffer; type: string } | undefined> {
  const dir = viewerDir();
  if (dir === null) return undefined;
  let relative: string;
  try {
    relative = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (relative === '/' || relative === '') relative = '/index.html';
  const file = normalize(join(dir, relative));
  if (!file.startsWith(dir + sep)) return undefined;
  const type = TYPES[extname(file)];
  if (type === undefined) return undefined;
  try {
    return { body: await readFile(file), type };
  } catch {
    return undefined;
  }
}

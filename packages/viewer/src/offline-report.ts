import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { viewerAssetsDir } from './assets-dir.js';

/** What the report embeds: the HTTP API's shapes (see DESIGN.md part 2), so the same UI reads it. */
export interface OfflineReportData {
  /**
   * Each as `GET /api/traces/:id?level=detailed` answers: `{ trace, root, orphans }`, optionally with
   * the trace's own `Analysis` (as `GET /api/traces/:id/analysis`), which its trace page then shows.
   */
  traces: { trace: object; root: object | null; orphans?: object[]; analysis?: object }[];
  /** An `Analysis` over these traces (its entries are shown on the traces they name, when a trace has no own analysis). */
  analysis?: object;
  /** A `/api/stats` answer; computed in the page from the traces when absent. */
  stats?: object;
  /** Shown in the header and the page title. */
  title?: string;
}

interface ManifestChunk {
  file: string;
  css?: string[];
  isEntry?: boolean;
}

function readBuiltApp(): { js: string; css: string } {
  const dir = viewerAssetsDir();
  let manifest: Record<string, ManifestChunk>;
  try {
    manifest = JSON.parse(readFileSync(join(dir, '.vite', 'manifest.json'), 'utf8'));
  } catch (e) {
    throw new Error(
      `@lazytrace/viewer: the web UI is not built (${dir} has no .vite/manifest.json); run \`pnpm --filter @lazytrace/viewer build\``,
      { cause: e },
    );
  }
  const entry = Object.values(manifest).find((c) => c.isEntry);
  if (!entry) throw new Error('@lazytrace/viewer: no entry chunk in the build manifest');
  return {
    js: readFileSync(join(dir, entry.file), 'utf8'),
    css: (entry.css ?? []).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n'),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON inside <script type="application/json">: `<` never appears raw, so no `</script>`, `<!--`
 * or `<script` in the data can end or change the element; U+2028/9 escaped for old parsers.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * One self-contained HTML file: the viewer's JS and CSS inlined and the data embedded, so it opens
 * from file:// with no server and no network. `lazytrace export-html` writes what this returns.
 */
export function renderOfflineReport(data: OfflineReportData): string {
  if (!data || !Array.isArray(data.traces))
    throw new TypeError('renderOfflineReport: data.traces must be an array');
  const { js, css } = readBuiltApp();
  const payload = {
    // An absent `analysis` (here and below) is left out by JSON.stringify.
    traces: data.traces.map((t) => ({
      trace: t.trace,
      root: t.root ?? null,
      orphans: t.orphans ?? [],
      analysis: t.analysis,
    })),
    analysis: data.analysis,
    stats: data.stats,
    title: data.title,
    generatedAt: new Date().toISOString(),
  };
  const title = `lazytrace report${data.title ? ` — ${data.title}` : ''} (${data.traces.length} trace${data.traces.length === 1 ? '' : 's'})`;
  // An inline script ends at the first `</script`: the bundle has none outside strings, where `<\/` is the same text.
  const safeJs = js.replace(/<\/(script)/gi, '<\\/$1');
  const safeCss = css.replace(/<\/(style)/gi, '<\\/$1');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lazytrace">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${safeCss}</style>
</head>
<body>
<div id="app"></div>
<script id="lazytrace-data" type="application/json">${embedJson(payload)}</script>
<script type="module">${safeJs}</script>
</body>
</html>
`;
}

import { describe, expect, it } from 'vitest';
import { viewerAssetsDir, viewerIsBuilt } from './assets-dir.js';
import { embedJson, renderOfflineReport } from './offline-report.js';

describe('embedJson', () => {
  it('never lets the data close or open an element', () => {
    const text = embedJson({ s: '</script><script>alert(1)</script><!-- \u2028 \u2029' });
    expect(text).not.toContain('<');
    expect(text).not.toMatch(/[\u2028\u2029]/);
    // … and reads back as the same data.
    expect(JSON.parse(text)).toEqual({ s: '</script><script>alert(1)</script><!-- \u2028 \u2029' });
  });
});

describe('viewerAssetsDir', () => {
  it('is the package dist/ folder, from the sources and from the build alike', () => {
    expect(viewerAssetsDir()).toMatch(/packages[/\\]viewer[/\\]dist[/\\]$/);
  });
});

describe.skipIf(!viewerIsBuilt())('renderOfflineReport', () => {
  const trace = {
    trace: {
      traceId: 'ab'.repeat(16),
      name: 'one',
      startTime: '2026-01-01T00:00:00.000Z',
      durationMs: 5,
      status: 'ok',
    },
    root: null,
  };

  it('is one file: the app inlined, the data embedded, no external script or stylesheet', () => {
    const html = renderOfflineReport({ traces: [trace], title: 'a <b> title' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain('<title>lazytrace report — a &#60;b&#62; title (1 trace)</title>');
    const data = /<script id="lazytrace-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
    expect(JSON.parse(data!)).toMatchObject({ traces: [{ trace: trace.trace, root: null, orphans: [] }] });
    // Exactly two scripts: the data and the app; the app's text cannot end its element early.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('rejects data without a traces array', () => {
    expect(() => renderOfflineReport({} as never)).toThrow(TypeError);
  });
});

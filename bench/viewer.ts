/**
 * The viewer's first paint, in headless Chromium (Debian's, via playwright-core), against the real
 * trace service (@lazytrace/server, in-memory DuckDB):
 * - the overview with 100,000 traces stored (list, distribution, duration over time);
 * - the trace page of one 10,000-span trace.
 * Figures only (medians of several loads), printed as a table; nothing is asserted.
 * Run: `pnpm --filter @lazytrace/viewer build && npx tsx bench/viewer.ts [--traces N]`
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer } from '@lazytrace/server';
import { type SpanRecord, toOtlpJsonLines } from '@lazytrace/traces';
import { chromium, type Page } from 'playwright-core';
import { viewerAssetsDir } from '../packages/viewer/src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRACES = arg('--traces', 100_000);
const BIG = arg('--spans', 10_000);
const LOADS = arg('--loads', 5);
const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find(
  (p): p is string => !!p && existsSync(p),
);
if (!chromiumPath) throw new Error('bench/viewer.ts needs chromium (apt-get install -y chromium)');

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
const T0 = Date.now() - 3_600_000;

function span(
  traceId: string,
  spanId: string,
  parent: string | undefined,
  name: string,
  kind: string,
  start: number,
  end: number,
  attrs: Record<string, unknown>,
  error = false,
): SpanRecord {
  return {
    traceId,
    spanId,
    parentSpanId: parent,
    name,
    kind,
    spanKind: 1,
    startTimeUnixNano: (BigInt(Math.round(start * 1000)) * 1000n).toString(),
    endTimeUnixNano: (BigInt(Math.round(end * 1000)) * 1000n).toString(),
    startMs: start,
    endMs: end,
    durationMs: end - start,
    status: error ? 'error' : 'unset',
    statusMessage: error ? 'upstream timeout' : undefined,
    attributes: { 'lazytrace.kind': kind, ...attrs },
    events: [],
    resource: { 'service.name': 'bench' },
  };
}

/** Trace i: a root and its llm call, spread over the last hour, log-normal-ish durations. */
function smallTrace(i: number): SpanRecord[] {
  const traceId = hex(i + 1, 32);
  const start = T0 + (i / TRACES) * 3_500_000;
  const dur = 50 * Math.exp(((i * 7919) % 1000) / 250);
  const common = { 'session.id': `s-${i % 5000}`, 'user.id': `u-${i % 700}`, 'lazytrace.trace.name': 'rag' };
  return [
    span(
      traceId,
      hex(2 * i + 1, 16),
      undefined,
      'rag',
      'flow',
      start,
      start + dur,
      {
        ...common,
        'lazytrace.input': JSON.stringify(`question number ${i}`),
        'lazytrace.output': JSON.stringify(`answer number ${i}`),
      },
      i % 50 === 0,
    ),
    span(
      traceId,
      hex(2 * i + 2, 16),
      hex(2 * i + 1, 16),
      'llm',
      'llm',
      start + dur * 0.1,
      start + dur * 0.95,
      {
        ...common,
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 300,
        'gen_ai.usage.output_tokens': 80,
      },
    ),
  ];
}

/** One trace of `count` spans: fan-out 10, breadth first, each child inside its parent. */
function bigTrace(count: number): SpanRecord[] {
  const traceId = 'f'.repeat(32);
  const t = T0 + 3_550_000;
  const out: SpanRecord[] = [span(traceId, hex(1, 16), undefined, 'big-root', 'flow', t, t + 30_000, {})];
  for (let k = 1; k < count; k++) {
    const parent = out[Math.floor((k - 1) / 10)]!;
    const slot = (parent.endMs - parent.startMs) / 11;
    const s = parent.startMs + slot * (((k - 1) % 10) + 0.5);
    out.push(
      span(traceId, hex(k + 1, 16), parent.spanId, `step-${k}`, k % 7 ? 'module' : 'llm', s, s + slot * 0.9, {
        'lazytrace.input': JSON.stringify({ k }),
      }),
    );
  }
  return out;
}

async function post(url: string, spans: SpanRecord[]) {
  for (const line of toOtlpJsonLines(spans).split('\n')) {
    if (!line) continue;
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: line,
    });
    if (!res.ok) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function paintTimes(page: Page, url: string, mark: string): Promise<{ fcp: number; ready: number }> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, mark, { timeout: 120_000 });
  return page.evaluate((m) => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN;
    return { fcp, ready: performance.getEntriesByName(m)[0]!.startTime };
  }, mark);
}

const server = await startServer({ port: 0, db: ':memory:', files: [], log: null, maxSpans: 10_000_000 });
try {
  let t = performance.now();
  const BATCH = 2_000;
  for (let i = 0; i < TRACES; i += BATCH) {
    const spans: SpanRecord[] = [];
    for (let k = i; k < Math.min(TRACES, i + BATCH); k++) spans.push(...smallTrace(k));
    await post(server.url, spans);
  }
  await post(server.url, bigTrace(BIG));
  await server.flush();
  const ingestS = (performance.now() - t) / 1000;
  const health = (await (await fetch(`${server.url}/health`)).json()) as { spans: number; traces: number };

  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const overview: { fcp: number; ready: number }[] = [];
  const tracePage: { fcp: number; ready: number }[] = [];
  for (let i = 0; i < LOADS; i++) {
    overview.push(await paintTimes(page, `${server.url}/`, 'lazytrace:overview-ready'));
    tracePage.push(
      await paintTimes(page, `${server.url}/#/trace/${'f'.repeat(32)}`, 'lazytrace:trace-ready'),
    );
  }
  // The API calls the two pages wait on, timed from Node.
  const time = async (path: string) => {
    const s = performance.now();
    const res = await fetch(`${server.url}${path}`);
    await res.arrayBuffer();
    return performance.now() - s;
  };
  const apiList = median(await Promise.all([0, 1, 2].map(() => time('/api/traces?limit=200'))));
  const apiStats = median(await Promise.all([0, 1, 2].map(() => time('/api/stats'))));
  const apiTrace: number[] = [];
  for (let i = 0; i < 3; i++) apiTrace.push(await time(`/api/traces/${'f'.repeat(32)}?level=debug`));
  await browser.close();

  const dir = viewerAssetsDir();
  const assets = readdirSync(join(dir, 'assets')).map((f) => {
    const body = readFileSync(join(dir, 'assets', f));
    return { f, kb: statSync(join(dir, 'assets', f)).size / 1024, gz: gzipSync(body).length / 1024 };
  });

  t = 0;
  const rows: [string, string][] = [
    [
      'stored',
      `${health.traces.toLocaleString('en')} traces, ${health.spans.toLocaleString('en')} spans (ingest over OTLP/JSON: ${ingestS.toFixed(1)} s)`,
    ],
    ['overview: first contentful paint', `${median(overview.map((o) => o.fcp)).toFixed(0)} ms`],
    ['overview: list + distribution painted', `${median(overview.map((o) => o.ready)).toFixed(0)} ms`],
    ['  GET /api/traces?limit=200', `${apiList.toFixed(0)} ms`],
    ['  GET /api/stats', `${apiStats.toFixed(0)} ms`],
    [
      `trace page (${BIG.toLocaleString('en')} spans): first contentful paint`,
      `${median(tracePage.map((o) => o.fcp)).toFixed(0)} ms`,
    ],
    [
      `trace page (${BIG.toLocaleString('en')} spans): tree + waterfall painted`,
      `${median(tracePage.map((o) => o.ready)).toFixed(0)} ms`,
    ],
    ['  GET /api/traces/:id?level=debug', `${median(apiTrace).toFixed(0)} ms`],
    ...assets.map((a): [string, string] => [
      `bundle ${a.f}`,
      `${a.kb.toFixed(1)} KB (${a.gz.toFixed(1)} KB gzip)`,
    ]),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(
    `viewer first paint, headless Chromium at 1280×800, median of ${LOADS} loads (times from navigation start)`,
  );
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
} finally {
  await server.close();
}

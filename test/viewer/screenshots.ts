/**
 * Takes docs/viewer-overview.png and docs/viewer-trace.png: a RAG app's traces, recorded by the real
 * OTel SDK, sent over OTLP to @lazytrace/server (in-memory DuckDB), in headless Chromium at 1280×800.
 * Run: `pnpm --filter @lazytrace/viewer build && npx tsx test/viewer/screenshots.ts`
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type CallContext, fn, parallel, pipeline } from '@lazytrace/core';
import { runWithTraceContext } from '@lazytrace/core/internal';
import { installTestTracing } from '../support/otel.js';
import { launchBrowser } from './support/browser.js';
import { startService } from './support/service.js';
import { drain } from './support/spans.js';

const out = (name: string) => fileURLToPath(new URL(`../../docs/${name}`, import.meta.url));
const { exporter } = installTestTracing();

const questions = [
  'How do I rotate the API keys?',
  'What is the refund policy for annual plans?',
  'Can I export my data as CSV?',
  'Why does the dashboard show stale numbers?',
  'How many seats are included in Team?',
  'Is SSO available on the Pro plan?',
  'How do I delete a workspace?',
  'What regions do you host data in?',
];
const jitter = (base: number, spread: number) => base + Math.random() * spread;

const app = pipeline(
  {
    rewrite: fn(
      async (q: string, ctx: CallContext) => {
        await sleep(jitter(40, 40));
        ctx.setModel('gpt-4o-mini');
        ctx.setUsage({ inputTokens: 60, outputTokens: 18 });
        return q.replace('?', '');
      },
      { name: 'rewrite', kind: 'llm' },
    ),
    retrieve: parallel(
      {
        vector: fn(
          async (q: string) => {
            await sleep(jitter(60, 120));
            if (q.includes('(EU)')) throw new Error('vector store timeout after 2000 ms');
            return [`${q}: see the admin guide, section 4`, 'Keys can be rotated from Settings → API'];
          },
          { name: 'vector-search', kind: 'retriever' },
        ),
        keyword: fn(
          async (q: string) => {
            await sleep(jitter(20, 30));
            return [`FAQ entry matching "${q.split(' ')[2]}"`];
          },
          { name: 'keyword-search', kind: 'retriever' },
        ),
      },
      { name: 'retrieve' },
    ),
    rerank: fn(
      async (r: { vector: string[]; keyword: string[] }) => {
        await sleep(jitter(15, 20));
        return [...r.vector, ...r.keyword].slice(0, 3);
      },
      { name: 'rerank', kind: 'reranker' },
    ),
    prompt: fn(
      (docs: string[], ctx: CallContext) => [
        { role: 'system', content: 'You are a support assistant. Answer only from the context; cite it.' },
        { role: 'user', content: `${String(ctx.input)}\n\nContext:\n- ${docs.join('\n- ')}` },
      ],
      { name: 'prompt' },
    ),
    answer: fn(
      async (messages: { role: string; content: string }[], ctx: CallContext) => {
        const slow = Math.random() < 0.15;
        await sleep(slow ? jitter(1400, 900) : jitter(380, 420));
        ctx.setModel('gpt-4o');
        ctx.setUsage({ inputTokens: 300 + messages[1]!.content.length, outputTokens: slow ? 420 : 120 });
        return `Per the admin guide (section 4): ${messages[1]!.content.split('\n')[0]!.toLowerCase()} — go to Settings and follow the steps there.`;
      },
      { name: 'answer', kind: 'llm' },
    ),
  },
  { name: 'support-rag' },
);

async function request(i: number) {
  // Three requests (one of them among the newest) hit an index that times out.
  const q = [5, 41, 76].includes(i) ? 'Which regions host EU data (EU)?' : questions[i % questions.length]!;
  await runWithTraceContext(
    {
      sessionId: `chat-${100 + (i % 7)}`,
      userId: `user-${(i * 7) % 5}`,
      tags: ['prod', i % 4 ? 'web' : 'mobile'],
    },
    () => app.invoke(q),
  ).catch(() => undefined);
}

// 80 requests, in waves, so they spread over time.
for (let wave = 0; wave < 8; wave++) {
  await Promise.all(Array.from({ length: 10 }, (_, k) => sleep(k * 90).then(() => request(wave * 10 + k))));
}
const api = await startService(drain(exporter));
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(api.url);
  await page.waitForSelector('[data-testid=histogram] canvas');
  await page.waitForSelector('[data-testid=timechart] canvas');
  await page.waitForSelector('[data-testid=live-indicator][data-status=live]');
  await page.click('.window-analysis summary');
  await page.waitForSelector('[data-testid=window-analysis]');
  await sleep(300);
  await page.screenshot({ path: out('viewer-overview.png') });

  const slow = (await page.$$eval('.trace-row', (els) =>
    els.map((e) => ({
      id: e.getAttribute('data-trace-id'),
      d: Number(e.getAttribute('data-duration')),
      err: e.classList.contains('status-error'),
    })),
  )) as { id: string; d: number; err: boolean }[];
  const pick = slow.filter((t) => !t.err).sort((a, b) => b.d - a.d)[0]!;
  await page.goto(`${api.url}#/trace/${pick.id}`);
  await page.waitForSelector('[data-testid=span-tree] [role=treeitem]');
  await page.click('[data-span-name=answer]');
  await page.waitForSelector('.conversation');
  await sleep(200);
  await page.screenshot({ path: out('viewer-trace.png') });
  console.log('wrote docs/viewer-overview.png and docs/viewer-trace.png');
} finally {
  await browser.close();
  await api.close();
}

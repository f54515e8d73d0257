import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTracing, shutdownTracing, withTrace } from '@lazytrace/config';
import { fn, parallel, pipeline, retry } from '@lazytrace/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
// OTel's own OTLP/JSON serializer, the reference (a dependency of @lazytrace/config).
import { JsonTraceSerializer } from '../../packages/config/node_modules/@opentelemetry/otlp-transformer/build/src/index.js';

// Review of the file backend's own serializer and batch processor (2094fe8, 8efdc61, f1818eb,
// 39947b6): end to end through initTracing, with lazytrace spans as an application makes them
// (content, unicode, errors with exception events, a retry, concurrent requests), every line of
// the file must be byte for byte what OTel's JsonTraceSerializer makes of the same spans, and
// every span must be in the file exactly once.

afterEach(() => shutdownTracing());

describe('file backend output', () => {
  it('each line equals OTel’s JsonTraceSerializer for its spans; every span once', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lazytrace-review-')), 'traces.jsonl');
    // Kept past shutdown (OTel's InMemorySpanExporter forgets its spans when shut down).
    const collected: ReadableSpan[] = [];
    const memory: SpanExporter = {
      export: (spans, done) => {
        collected.push(...spans);
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    };
    initTracing({
      serviceName: 'review-app',
      backends: ['file', { name: 'memory', exporter: memory, processing: 'simple' }],
      file: { path, flushIntervalMs: 20 },
      flushOnExit: false,
    });
    const attempts = new Map<string, number>();
    const flaky = retry(
      fn(
        (q: string) => {
          const n = (attempts.get(q) ?? 0) + 1;
          attempts.set(q, n);
          if (n === 1 && Number(q.slice(1)) % 2 === 0) throw new TypeError('flaky “ünïcödé” \u2028 failure');
          return 'ok';
        },
        { name: 'flaky' },
      ),
      { attempts: 2, backoff: 0 },
    );
    const app = pipeline(
      [
        parallel({
          docs: fn((q: string) => [`doc about ${q} — 漢字 😀`, { nested: { n: 1.5, big: 2 ** 60 } }], {
            kind: 'retriever',
          }),
          fails: flaky,
        }),
        fn((found: unknown) => JSON.stringify(found).length, { name: 'measure' }),
      ],
      { name: 'review-app' },
    );
    // 600 requests in waves of 60 at once (≈ 400 spans, under the 2,048 bound): more than one
    // batch of 512 in all, lines written while others wait.
    const results: unknown[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const batch = await Promise.all(
        Array.from({ length: 60 }, (_, k) => {
          const i = wave * 60 + k;
          return withTrace({ sessionId: `s${i}`, tags: ['review', `t${i % 3}`], metadata: { i } }, () =>
            app.invoke(`q${i}`),
          );
        }),
      );
      results.push(...batch);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(results.every((n) => typeof n === 'number')).toBe(true);
    await shutdownTracing();

    const expected = collected;
    const byId = new Map(expected.map((s) => [s.spanContext().spanId, s]));
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    lines.pop();
    expect(lines.length).toBeGreaterThan(1);
    const seen = new Set<string>();
    for (const line of lines) {
      const request = JSON.parse(line) as {
        resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[];
      };
      const ids = request.resourceSpans.flatMap((r) =>
        r.scopeSpans.flatMap((s) => s.spans.map((x) => x.spanId)),
      );
      const spans = ids.map((id) => byId.get(id)!);
      expect(spans.every((s) => s !== undefined)).toBe(true);
      for (const id of ids) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
      expect(line).toBe(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)));
    }
    expect(seen.size).toBe(expected.length);
    // 600 × (review-app, Parallel, docs, fails (retry), flaky, measure) + 300 failed first attempts.
    expect(expected.length).toBe(600 * 6 + 300);
  });
});

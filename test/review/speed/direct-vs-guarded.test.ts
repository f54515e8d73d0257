import {
  type CallContext,
  fn,
  type Hook,
  Module,
  parallel,
  pipeline,
  registerHookProvider,
  retry,
  setTrace,
  withTrace,
} from '@lazytrace/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { parentId, spanId } from '../../support/otel.js';
import { exporter, useTestTracing } from '../support.js';

// A differential check of the direct path (issue #10, H3: 7d39ba0). The same application runs
// twice: with lazytrace's own hook alone (the direct path) and with a user hook that does nothing
// (the guarded Lifecycle path, as before the speed work). What the application sees and every
// span it gets — names, attributes, status, events, the tree — must be the same, ids and times
// aside.

useTestTracing();

class DoesNothing implements Hook {}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let flaky = 0;
const lookup = retry(
  fn(
    async (q: string) => {
      await pause(0);
      if (flaky++ % 2 === 0) throw new Error(`transient ${q}`);
      return [`doc-${q}`, `doc-${q}-2`];
    },
    { name: 'lookup', kind: 'retriever' },
  ),
  { attempts: 3, backoff: 0 },
);

class Llm extends Module<{ docs: string[]; q: string }, AsyncIterable<string>> {
  override kind = 'llm';
  async *forward(input: { docs: string[]; q: string }, ctx: CallContext) {
    ctx.setModel({ request: 'm-1', provider: 'test' });
    for (const d of input.docs) {
      await pause(0);
      yield `${d};`;
    }
    ctx.setUsage({ inputTokens: 3, outputTokens: input.docs.length });
  }
}

const app = pipeline(
  {
    docs: lookup,
    both: parallel({
      upper: fn((docs: string[]) => docs.map((d) => d.toUpperCase()), { name: 'upper' }),
      count: fn(async (docs: string[]) => docs.length, { name: 'count' }),
    }),
    answer: fn(
      async (x: { upper: string[]; count: number }, ctx: CallContext<string>) => {
        setTrace({ metadata: { step: 'answer' } });
        return new Llm({ name: 'llm' }).invoke({ docs: x.upper, q: ctx.input });
      },
      { name: 'answer' },
    ),
  },
  { name: 'app' },
);

const failing = fn(
  async (x: unknown) => {
    await pause(0);
    throw Object.assign(new RangeError(`bad ${String(x)}`), { code: 7 });
  },
  { name: 'failing' },
);

async function workload(): Promise<unknown[]> {
  flaky = 0;
  const results: unknown[] = [];
  for (const q of ['a', 'b']) {
    const stream = (await withTrace({ userId: `u-${q}`, sessionId: `s-${q}`, tags: ['t1', q] }, () =>
      app.invoke(q),
    )) as AsyncIterable<string>;
    let text = '';
    for await (const chunk of stream) text += chunk;
    results.push(text);
  }
  try {
    await withTrace({ traceName: 'failing-trace' }, () => failing.invoke({ n: 1 }));
  } catch (error) {
    results.push(`${(error as Error).name}:${(error as Error).message}`);
  }
  results.push(await fn(() => null, { name: 'nothing' }).invoke(undefined));
  // A stream left early, a non-Error thrown synchronously, a thenable result.
  const endless = fn(
    async function* endless() {
      for (let i = 0; ; i++) yield i;
    },
    { name: 'endless' },
  );
  for await (const n of (await endless.invoke(null)) as AsyncIterable<number>) if (n === 3) break;
  try {
    await fn(
      () => {
        throw 'a string';
      },
      { name: 'throws-string' },
    ).invoke(1);
  } catch (error) {
    results.push(error);
  }
  results.push(
    await fn(
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a thenable result is what is compared
        then: (resolve: (v: unknown) => void) => resolve('from-thenable'),
      }),
      { name: 'thenable' },
    ).invoke(null),
  );
  return results;
}

/** A span as the exporter sees it, ids and times aside; the tree as parent names. */
function shape(spans: readonly ReadableSpan[]) {
  const byId = new Map(spans.map((s) => [spanId(s), s]));
  return spans
    .map((s) => ({
      name: s.name,
      parent: byId.get(parentId(s) ?? '')?.name ?? null,
      attributes: Object.fromEntries(
        Object.entries(s.attributes)
          .filter(
            ([k]) => !k.endsWith('time_to_first_chunk_ms') && k !== 'gen_ai.response.time_to_first_chunk',
          )
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
      status: s.status,
      events: s.events.map((e) => ({
        name: e.name,
        attributes: Object.fromEntries(
          Object.entries(e.attributes ?? {}).filter(([k]) => k !== 'exception.stacktrace'),
        ),
      })),
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('the direct path against the guarded one', () => {
  it('the same application gives the same results and the same spans on both paths', async () => {
    const direct = await workload();
    const directSpans = shape(exporter.getFinishedSpans());
    exporter.reset();
    const remove = registerHookProvider(() => [DoesNothing]);
    let guarded: unknown[];
    try {
      guarded = await workload();
    } finally {
      remove();
    }
    const guardedSpans = shape(exporter.getFinishedSpans());
    expect(direct).toEqual(guarded);
    expect(direct).toEqual([
      'DOC-A;DOC-A-2;',
      'DOC-B;DOC-B-2;',
      'RangeError:bad [object Object]',
      null,
      'a string',
      'from-thenable',
    ]);
    expect(directSpans.length).toBeGreaterThan(15);
    expect(directSpans).toEqual(guardedSpans);
  });
});

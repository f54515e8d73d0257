import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type CallContext, fn, withTrace } from '@lazytrace/core';
import { describe, expect, it } from 'vitest';
import { exporter, useTestTracing } from '../support.js';

// Speed work reuses objects (one lookup object for the process, a reused serializer walker, per-
// call shapes kept warm, key memos): none of it may keep an application's data alive once its
// call is over. Checked with WeakRefs and a forced full GC: after the calls (and streams) end and
// the exported spans are dropped, no input, output, chunk, request context or error is reachable.

useTestTracing();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collected(refs: WeakRef<object>[]): Promise<number> {
  // WeakRefs read in this job keep their targets until it ends: collect in later turns.
  for (let i = 0; i < 3; i++) {
    await pause(1);
    gc();
  }
  return refs.filter((r) => r.deref() !== undefined).length;
}

describe('nothing of a finished call is kept alive', () => {
  it('inputs, outputs, errors, withTrace values, Map/Set contents and stream chunks of finished calls', async () => {
    const refs: WeakRef<object>[] = [];
    const track = <T extends object>(value: T): T => {
      refs.push(new WeakRef(value));
      return value;
    };
    const echo = fn(async (x: object) => track({ echoed: x }), { name: 'echo' });
    const fails = fn(
      async () => {
        throw track(new Error('kept?'));
      },
      { name: 'fails' },
    );
    const stream = fn(
      async function* chunks(_: unknown, ctx: CallContext) {
        void ctx.signal;
        for (let i = 0; i < 50; i++) yield track({ chunk: i });
      },
      { name: 'chunks' },
    );
    const outer = fn(
      async (x: object) => {
        await echo.invoke(track({ nested: x }));
        return track(new Map([[track({ key: 1 }), track(new Set([track({ member: 1 })]))]]));
      },
      { name: 'outer' },
    );
    await (async () => {
      for (let i = 0; i < 20; i++) {
        const metadata = { request: `r${i}` };
        await withTrace({ userId: `user-${i}`, metadata }, () => outer.invoke(track({ input: i })));
        try {
          await fails.invoke(null);
        } catch {
          // expected
        }
        for await (const _ of (await stream.invoke(null)) as AsyncIterable<unknown>);
        // Stopped early too.
        for await (const _ of (await stream.invoke(null)) as AsyncIterable<unknown>) break;
      }
    })();
    expect(exporter.getFinishedSpans()).toHaveLength(100);
    // The spans themselves hold only the captured text; drop them too.
    exporter.reset();
    expect(refs.length).toBeGreaterThan(1000);
    expect(await collected(refs)).toBe(0);
  });
});

/**
 * Found by trying part 2 as a user does: `lazytrace serve` on the app's file with the default
 * on-disk store, stop it, let the app write more, serve again. The file is read again from its
 * start (the store skips spans it already has): the batch that brings the new traces also
 * carries the old ones, and the old traces vanished from `/api/traces` (their `traces` rows were
 * deleted although nothing of theirs was new); after one more restart their spans were stored a
 * second time. The same happens to an OTLP client that retries a batch alongside new spans.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceSummary } from '@lazytrace/traces';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../../traces/src/testing/fixtures.js';
import type { RunningServer } from './server.js';
import { getJson, postJson, testServer } from './testing/harness.js';

const X = 'c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0';
const Y = 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0';
const traceX = [
  { trace: X, id: 'xr', name: 'x', start: 0, end: 10 },
  { trace: X, id: 'xc', parent: 'xr', name: 'xc', start: 1, end: 5 },
];
const traceY = [
  { trace: Y, id: 'yr', name: 'y', start: 100, end: 110 },
  { trace: Y, id: 'yc', parent: 'yr', name: 'yc', start: 101, end: 105 },
];

const dir = mkdtempSync(join(tmpdir(), 'lazytrace-user-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function state(server: RunningServer) {
  const list = await getJson<{ traces: TraceSummary[] }>(server, '/api/traces');
  const health = await getJson<{ spans: number; traces: number }>(server, '/health');
  return {
    listed: list.body.traces.map((t) => `${t.traceId}:${t.spanCount}`).sort(),
    spans: health.body.spans,
    traces: health.body.traces,
  };
}

describe('an on-disk store given spans it already has, with new ones', () => {
  it('keeps listing the old traces, and stores nothing twice across restarts', async () => {
    const db = join(dir, 'store.duckdb');
    const expected = { listed: [`${X}:2`, `${Y}:2`], spans: 4, traces: 2 };

    let server = await testServer({ db });
    try {
      expect((await postJson(server, request(traceX))).status).toBe(200);
    } finally {
      await server.close();
    }

    // The file read again from its start: X (already stored) and Y (new) in one batch.
    server = await testServer({ db });
    try {
      expect((await postJson(server, request([...traceX, ...traceY]))).status).toBe(200);
      expect(await state(server)).toEqual(expected);
    } finally {
      await server.close();
    }

    server = await testServer({ db });
    try {
      expect(await state(server)).toEqual(expected);
      expect((await postJson(server, request([...traceX, ...traceY]))).status).toBe(200);
      expect(await state(server)).toEqual(expected);
    } finally {
      await server.close();
    }
  });

  it('after a cleanup, a deleted trace sent again comes back whole and the kept one stays', async () => {
    const server = await testServer();
    try {
      await postJson(server, request([...traceX, ...traceY]));
      const cleanup = await fetch(`${server.url}/api/cleanup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keepLast: 1 }),
      });
      expect(await cleanup.json()).toEqual({ deleted: 1 });
      expect(await state(server)).toEqual({ listed: [`${Y}:2`], spans: 2, traces: 1 });
      await postJson(server, request([...traceX, ...traceY]));
      expect(await state(server)).toEqual({ listed: [`${X}:2`, `${Y}:2`], spans: 4, traces: 2 });
    } finally {
      await server.close();
    }
  });
});

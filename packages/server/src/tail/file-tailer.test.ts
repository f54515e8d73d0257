import {
  appendFileSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord, TraceSummary } from '@lazytrace/traces';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.js';
import { eventually, getJson, testServer } from '../testing/harness.js';
import { otlpRequest, ragTrace, type TraceSpec } from '../testing/otlp-fixtures.js';
import { FileTailer } from './file-tailer.js';

const line = (...traces: TraceSpec[]) => `${JSON.stringify(otlpRequest(traces))}\n`;

describe('importing and following OTLP-JSON lines files', () => {
  let dir: string;
  let file: string;
  let server: RunningServer | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lazytrace-tail-'));
    file = join(dir, 'traces.jsonl');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (s: RunningServer) =>
    (await getJson<{ spans: number; traces: number }>(s, '/health')).body;
  const has = (s: RunningServer, t: TraceSpec) =>
    eventually(async () =>
      (await getJson(s, `/api/traces/${t.traceId}`)).status === 200 ? true : undefined,
    );

  it('imports what the file holds at start, holding back a torn last line until it is complete', async () => {
    const a = ragTrace(Date.now() - 5000);
    const b = ragTrace(Date.now() - 4000);
    const c = ragTrace(Date.now() - 3000);
    const torn = line(c);
    writeFileSync(file, line(a, b) + torn.slice(0, 40));
    server = await testServer({ files: [file] });
    // Resolved after the import: no waiting needed.
    expect(await stored(server)).toMatchObject({ spans: 6, traces: 2 });
    expect((await getJson(server, `/api/traces/${c.traceId}`)).status).toBe(404);
    appendFileSync(file, torn.slice(40));
    await has(server, c);
    expect(await stored(server)).toMatchObject({ spans: 9, traces: 3 });
    const { body } = await getJson<{ files: { path: string; spans: number; problems: number }[] }>(
      server,
      '/health',
    );
    expect(body.files[0]).toMatchObject({ path: file, spans: 9, problems: 0 });
  });

  it('follows appends; skips a broken line and goes on', async () => {
    server = await testServer({ files: [file] });
    const a = ragTrace(Date.now() - 2000);
    appendFileSync(file, line(a));
    await has(server, a);
    appendFileSync(file, '{"resourceSpans": [ this is not json\n');
    const b = ragTrace(Date.now() - 1000);
    appendFileSync(file, line(b));
    await has(server, b);
    const { body } = await getJson<{ files: { problems: number }[] }>(server, '/health');
    expect(body.files[0]?.problems).toBe(1);
  });

  it('starts over after truncation, storing nothing twice', async () => {
    const a = ragTrace(Date.now() - 3000);
    const b = ragTrace(Date.now() - 2000);
    writeFileSync(file, line(a) + line(b));
    server = await testServer({ files: [file] });
    expect((await stored(server)).spans).toBe(6);
    truncateSync(file, 0);
    const c = ragTrace(Date.now() - 1000);
    // Rewritten with an old line (re-read, not stored again) and a new one.
    writeFileSync(file, line(a) + line(c));
    await has(server, c);
    expect(await stored(server)).toMatchObject({ spans: 9, traces: 3 });
  });

  it('follows rotation: finishes the renamed file, then reads the new one from its start', async () => {
    const a = ragTrace(Date.now() - 4000);
    writeFileSync(file, line(a));
    server = await testServer({ files: [file], pollMs: 5_000 });
    expect((await stored(server)).spans).toBe(3);
    // A writer rotates: the old file is renamed (and got one more line before the writer switched).
    renameSync(file, `${file}.1`);
    const late = ragTrace(Date.now() - 3000);
    appendFileSync(`${file}.1`, line(late));
    const b = ragTrace(Date.now() - 2000);
    writeFileSync(file, line(b));
    await has(server, b);
    await has(server, late);
    expect(await stored(server)).toMatchObject({ spans: 9, traces: 3 });
  });

  it('keeps serving when the file is deleted, and reads it again once re-created', async () => {
    const a = ragTrace(Date.now() - 3000);
    writeFileSync(file, line(a));
    server = await testServer({ files: [file] });
    unlinkSync(file);
    await eventually(async () => {
      const { body } = await getJson<{ files: { present: boolean }[] }>(server as RunningServer, '/health');
      return body.files[0]?.present === false ? true : undefined;
    });
    expect((await getJson<{ traces: TraceSummary[] }>(server, '/api/traces')).body.traces.length).toBe(1);
    const b = ragTrace(Date.now() - 1000);
    writeFileSync(file, line(b));
    await has(server, b);
    expect(await stored(server)).toMatchObject({ spans: 6, traces: 2 });
  });

  it('follows a file that does not exist yet (the default before the app first runs)', async () => {
    const later = join(dir, 'sub', 'traces.jsonl');
    server = await testServer({ files: [later] });
    const a = ragTrace(Date.now());
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(later, line(a));
    await has(server, a);
  });

  it('loses nothing while a writer appends many lines during rotation and truncation', async () => {
    server = await testServer({ files: [file] });
    const written: TraceSpec[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) {
        const t = ragTrace(Date.now() - round * 100 - i);
        written.push(t);
        appendFileSync(file, line(t));
      }
      if (round === 0) {
        // The tailer has the file open (a reader cannot follow a file renamed before it ever saw it).
        await eventually(async () => {
          const { body } = await getJson<{ files: { offset: number }[] }>(server as RunningServer, '/health');
          return (body.files[0]?.offset ?? 0) > 0 ? true : undefined;
        });
      }
      if (round === 1) renameSync(file, `${file}.${round}`);
      if (round === 3) {
        await server.flush();
        truncateSync(file, 0);
      }
    }
    await eventually(async () =>
      (await stored(server as RunningServer)).traces === written.length ? true : undefined,
    );
    expect(await stored(server)).toMatchObject({ spans: written.length * 3, traces: written.length });
  });

  it('after a restart, goes on where it stopped: traces deleted through the API or by retention stay deleted', async () => {
    const db = join(dir, 'store.duckdb');
    const old = ragTrace(Date.now() - 3 * 3_600_000);
    const a = ragTrace(Date.now() - 3000);
    const b = ragTrace(Date.now() - 2000);
    writeFileSync(file, line(old) + line(a) + line(b));
    server = await testServer({ db, files: [file], retention: '1h' });
    // Retention applies to what the start-up import brought too.
    await eventually(async () => ((await stored(server as RunningServer)).traces === 2 ? true : undefined));
    expect((await fetch(`${server.url}/api/traces/${a.traceId}`, { method: 'DELETE' })).status).toBe(204);
    expect(await stored(server)).toMatchObject({ spans: 3, traces: 1 });
    await server.close();

    // Restarted without retention: neither the deleted trace nor the expired one comes back.
    const c = ragTrace(Date.now() - 1000);
    appendFileSync(file, line(c));
    server = await testServer({ db, files: [file] });
    await has(server, c);
    expect(await stored(server)).toMatchObject({ spans: 6, traces: 2 });
    expect((await getJson(server, `/api/traces/${a.traceId}`)).status).toBe(404);
    expect((await getJson(server, `/api/traces/${old.traceId}`)).status).toBe(404);
    await server.close();

    // Replaced while the service was down (rotated, rewritten): the new file is read from its start.
    const d = ragTrace(Date.now() - 500);
    writeFileSync(file, line(a) + line(d));
    server = await testServer({ db, files: [file] });
    await has(server, d);
    await has(server, a);
    expect(await stored(server)).toMatchObject({ spans: 12, traces: 4 });
  });

  it('fills whole batches across 4 MB read chunks, and has stored everything when start() resolves', async () => {
    // Over 4 MB of lines (two read chunks), each far shorter than a chunk: batches must not be
    // cut at the chunk boundary.
    const traces = Array.from({ length: 3000 }, (_, i) => ragTrace(Date.now() - 10_000 + i));
    const lines: string[] = [];
    for (let i = 0; i < traces.length; i += 100) lines.push(line(...traces.slice(i, i + 100)));
    writeFileSync(file, lines.join(''));
    const sizes: number[] = [];
    let pending = 0;
    let maxPending = 0;
    const tailer = new FileTailer(
      file,
      async (spans: SpanRecord[]) => {
        sizes.push(spans.length);
        pending++;
        maxPending = Math.max(maxPending, pending);
        await new Promise((r) => setTimeout(r, 5));
        pending--;
      },
      { batchSize: 1000, pollMs: 60_000 },
    );
    try {
      await tailer.start();
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(9000);
      expect(sizes.slice(0, -1).every((n) => n >= 1000)).toBe(true);
      // One batch at a time in the sink: the next is parsed meanwhile, never sent early.
      expect(maxPending).toBe(1);
      expect(tailer.status).toMatchObject({ spans: 9000, problems: 0 });
    } finally {
      await tailer.stop();
    }
  });
});

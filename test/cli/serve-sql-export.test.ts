import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { get } from '../support/http.js';
import { lazytrace, recordFile, spawnLazytrace, tempDir } from './support.js';

let dir: string;
let file: string;
let traceIds: string[];
beforeAll(async () => {
  dir = tempDir();
  ({ file, traceIds } = await recordFile(dir, { REQUESTS: '3', FAIL_EVERY: '3' }));
}, 60_000);

describe('lazytrace serve, then sql over its store', () => {
  it('imports the file, answers the API on 127.0.0.1, stops on Ctrl-C; sql reads the store read-only', async () => {
    const db = join(dir, 'store.duckdb');
    const serve = spawnLazytrace(['serve', file, '--port', '0', '--db', db, '--json']);
    let port: number;
    try {
      const [line] = await serve.waitFor(/\{"url".*\}/, { timeoutMs: 30_000 });
      const info = JSON.parse(line) as { url: string; port: number; files: string[] };
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.files).toEqual([file]);
      port = info.port;
      const health = JSON.parse(await get(port, '/health')) as { spans: number; traces: number };
      expect(health.traces).toBe(3);
      const listed = JSON.parse(await get(port, '/api/traces')) as { traces: { traceId: string }[] };
      expect(listed.traces.map((t) => t.traceId).sort()).toEqual([...traceIds].sort());
      // The store is held by the service meanwhile (DuckDB: one process per file): sql asks the
      // service, found through <db>.serve.json, and stays read-only there.
      const discovery = JSON.parse(readFileSync(`${db}.serve.json`, 'utf8')) as { url: string; pid: number };
      expect(discovery.url).toBe(info.url);
      const live = await lazytrace([
        'sql',
        'SELECT count(DISTINCT trace_id) AS traces FROM spans',
        '--db',
        db,
        '--json',
      ]);
      expect(live.code, live.stderr).toBe(0);
      expect(live.stderr).toContain(`asked the running lazytrace serve at ${info.url}`);
      expect(Number((JSON.parse(live.stdout) as { rows: { traces: unknown }[] }).rows[0]!.traces)).toBe(3);
      const liveTable = await lazytrace([
        'sql',
        'SELECT name FROM spans WHERE parent_span_id IS NULL',
        '--db',
        db,
      ]);
      expect(liveTable.code, liveTable.stderr).toBe(0);
      expect(liveTable.stdout.match(/^ask$/gm)).toHaveLength(3);
      for (const statement of [
        'DELETE FROM spans',
        'SELECT 1; DELETE FROM spans',
        'DROP TABLE spans',
        "COPY spans TO '/dev/null'",
      ]) {
        const refused = await lazytrace(['sql', statement, '--db', db]);
        expect(refused.code, statement).toBe(1);
      }
      const deleteRefused = await lazytrace(['sql', 'DELETE FROM spans', '--db', db]);
      expect(deleteRefused.stderr).toContain('read-only');
      // EXPLAIN ANALYZE runs what it explains: it passes the type check, and the rollback undoes it.
      const countSpans = async () => {
        const r = await lazytrace(['sql', 'SELECT count(*) AS n FROM spans', '--db', db, '--json']);
        return Number((JSON.parse(r.stdout) as { rows: { n: unknown }[] }).rows[0]!.n);
      };
      expect(await countSpans()).toBe(health.spans);
      const analyzed = await lazytrace(['sql', 'EXPLAIN ANALYZE DELETE FROM spans', '--db', db]);
      expect(analyzed.code, analyzed.stderr).toBe(0);
      expect(await countSpans()).toBe(health.spans);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    // Removed on close: sql then opens the file itself.
    expect(existsSync(`${db}.serve.json`)).toBe(false);
    // A service that died without removing it (SIGKILL) leaves a stale pid: ignored.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(`${db}.serve.json`, JSON.stringify({ url: 'http://127.0.0.1:9', pid: deadPid, db }));

    const counted = await lazytrace([
      'sql',
      'SELECT count(*) AS n, count(DISTINCT trace_id) AS traces FROM spans',
      '--db',
      db,
      '--json',
    ]);
    expect(counted.code, counted.stderr).toBe(0);
    const result = JSON.parse(counted.stdout) as {
      columns: { name: string }[];
      rows: { n: unknown; traces: unknown }[];
    };
    expect(result.columns.map((c) => c.name)).toEqual(['n', 'traces']);
    expect(Number(result.rows[0]!.traces)).toBe(3);

    // A live pid (here, the test's own) but nothing listening at the url: the file is read too.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    writeFileSync(
      `${db}.serve.json`,
      JSON.stringify({ url: `http://127.0.0.1:${freePort}`, pid: process.pid, db }),
    );
    const table = await lazytrace(['sql', 'SELECT name FROM spans WHERE parent_span_id IS NULL', '--db', db]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.match(/^ask$/gm)).toHaveLength(3);

    const write = await lazytrace(['sql', 'DELETE FROM spans', '--db', db]);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('read-only');
    const still = await lazytrace(['sql', 'SELECT count(*) AS n FROM spans', '--db', db, '--json']);
    expect(JSON.parse(still.stdout).rows[0].n).toEqual(result.rows[0]!.n);

    const bad = await lazytrace(['sql', 'SELEKT nonsense', '--db', db]);
    expect(bad.code).toBe(1);
    const missing = await lazytrace(['sql', 'SELECT 1', '--db', join(dir, 'none.duckdb')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no trace store');
  });

  it('a port in use: exit 1 with a clear message', async () => {
    const first = spawnLazytrace(['serve', file, '--port', '0', '--db', ':memory:', '--json']);
    try {
      const [line] = await first.waitFor(/\{"url".*\}/, { timeoutMs: 30_000 });
      const { port } = JSON.parse(line) as { port: number };
      const second = await lazytrace(['serve', file, '--port', String(port), '--db', ':memory:']);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`port ${port} is in use`);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });
});

describe('lazytrace export-html', () => {
  it('writes one self-contained HTML file with the traces embedded', async () => {
    const out = join(dir, 'report', 'index.html');
    const result = await lazytrace(['export-html', file, '-o', out, '--title', 'CLI test']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('3 trace(s)');
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    for (const id of traceIds) expect(html).toContain(id);
    expect(html).toContain('CLI test');
    // No fetches of scripts or styles from anywhere: it opens from file://.
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);

    const one = join(dir, 'one.html');
    const single = await lazytrace(['export-html', file, '-o', one, '--trace', traceIds[0]!, '--json']);
    expect(single.code, single.stderr).toBe(0);
    expect(JSON.parse(single.stdout)).toMatchObject({ file: one, traces: 1 });
    expect(readFileSync(one, 'utf8')).not.toContain(traceIds[1]!);

    const missing = await lazytrace(['export-html', join(dir, 'none.jsonl'), '-o', join(dir, 'x.html')]);
    expect(missing.code).toBe(1);
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
  });
});

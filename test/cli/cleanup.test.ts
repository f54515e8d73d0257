import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOtlpJson, type SpanRecord, toOtlpJsonLines } from '@lazytrace/traces';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, lazytrace, recordFile, tempDir } from './support.js';

const DAY = 86_400_000;
let sample: SpanRecord[];
beforeAll(async () => {
  const { file } = await recordFile(tempDir(), { REQUESTS: '4' });
  sample = readOtlpJson(readFileSync(file, 'utf8')).spans;
}, 60_000);

/** The same spans, `ms` earlier. */
function earlier(spans: SpanRecord[], ms: number): SpanRecord[] {
  const shift = (nanos: string) => String(BigInt(nanos) - BigInt(ms) * 1_000_000n);
  return spans.map((s) => ({
    ...s,
    startTimeUnixNano: shift(s.startTimeUnixNano),
    endTimeUnixNano: shift(s.endTimeUnixNano),
    startMs: s.startMs - ms,
    endMs: s.endMs - ms,
    events: s.events.map((e) => ({ ...e, timeUnixNano: shift(e.timeUnixNano), timeMs: e.timeMs - ms })),
  }));
}

function traceIdsIn(path: string): Set<string> {
  return new Set(readOtlpJson(readFileSync(path, 'utf8')).spans.map((s) => s.traceId));
}

describe('lazytrace cleanup', () => {
  it('drops traces older than --older-than; keeps recent ones, unreadable lines and the file mode', async () => {
    const ids = [...new Set(sample.map((s) => s.traceId))] as [string, string, string, string];
    const [old1, old2, new1, new2] = ids;
    const file = join(tempDir(), 'traces.jsonl');
    const of = (id: string) => sample.filter((s) => s.traceId === id);
    const oldSpans = earlier([...of(old1), ...of(old2)], 10 * DAY);
    // One line mixing an old trace's span with a recent trace's span (one export batch).
    const mixed = toOtlpJsonLines([oldSpans.find((s) => s.traceId === old2)!, of(new2)[0]!]);
    writeFileSync(
      file,
      toOtlpJsonLines(oldSpans.filter((s) => s !== oldSpans.find((x) => x.traceId === old2))) +
        'a line that is not OTLP\n' +
        toOtlpJsonLines(of(new1)) +
        mixed +
        toOtlpJsonLines(of(new2).slice(1)),
    );
    chmodSync(file, 0o640);
    const before = readFileSync(file);

    const dry = await lazytrace(['cleanup', file, '--older-than', '7d', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      removedTraces: 2,
      keptTraces: 2,
      unreadableLines: 1,
    });
    expect(readFileSync(file).equals(before)).toBe(true);

    const result = await lazytrace(['cleanup', file, '--older-than', '7d']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('removed 2 trace(s)');
    expect(result.stderr).toContain('1 line(s) are not OTLP-JSON and were kept');
    expect(traceIdsIn(file)).toEqual(new Set([new1, new2]));
    const after = readFileSync(file, 'utf8');
    expect(after).toContain('a line that is not OTLP\n');
    // Every span of the kept traces is still there, the mixed line's included.
    const kept = readOtlpJson(after).spans;
    expect(kept.length).toBe(of(new1).length + of(new2).length);
    expect(statSync(file).mode & 0o777).toBe(0o640);

    const again = await lazytrace(['cleanup', file, '--older-than', '7d', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ removedTraces: 0, keptTraces: 2 });
    expect(readFileSync(file, 'utf8')).toBe(after);
  });

  it('never loses a line an application appends while cleanup rewrites the file', async () => {
    const dir = tempDir();
    const file = join(dir, 'busy.jsonl');
    appendFileSync(file, toOtlpJsonLines(earlier(sample, 30 * DAY)));
    const writer = new Promise<string[]>((resolve, reject) => {
      execFile(
        process.execPath,
        [fileURLToPath(new URL('./fixtures/append-writer.mjs', import.meta.url)), file, '4000'],
        { env: cleanEnv(), timeout: 30_000 },
        (error, stdout) =>
          error ? reject(error) : resolve((JSON.parse(stdout) as { recent: string[] }).recent),
      );
    });
    let rewrites = 0;
    let writing = true;
    void writer.finally(() => {
      writing = false;
    });
    // Rewrite again and again while the writer appends (every other line it writes is old).
    while (writing) {
      const result = await lazytrace(['cleanup', file, '--older-than', '7d', '--json', '--grace', '50ms']);
      expect(result.code, result.stderr).toBe(0);
      if (JSON.parse(result.stdout).removedTraces > 0) rewrites++;
    }
    const recent = await writer;
    // At least one rewrite (usually several) happened while the writer was appending.
    expect(rewrites).toBeGreaterThanOrEqual(1);
    const final = await lazytrace(['cleanup', file, '--older-than', '7d']);
    expect(final.code).toBe(0);

    const { spans, problems } = readOtlpJson(readFileSync(file, 'utf8'));
    expect(problems).toEqual([]);
    const present = new Set(spans.map((s) => s.traceId));
    const lost = recent.filter((id) => !present.has(id));
    expect(lost).toEqual([]);
    expect(spans.length).toBe(recent.length);
    // Each line once: nothing copied twice.
    expect(present.size).toBe(spans.length);
  });

  it('a second cleanup on the same file waits its turn: a clear failure, nothing changed', async () => {
    const file = join(tempDir(), 'locked.jsonl');
    writeFileSync(file, toOtlpJsonLines(earlier(sample, 10 * DAY)));
    writeFileSync(`${file}.cleanup-lock`, String(process.pid));
    const result = await lazytrace(['cleanup', file, '--older-than', '7d']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`another cleanup (pid ${process.pid})`);
    expect(traceIdsIn(file).size).toBe(4);
  });
});

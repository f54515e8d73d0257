import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOtlpJsonFile, streamOtlpJsonFile } from './read-file.js';
import { request } from './testing/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'lazytrace-traces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `lines` lines of `perLine` spans each, spans named by their global index. */
function linesOf(lines: number, perLine: number): string[] {
  return Array.from({ length: lines }, (_, l) =>
    JSON.stringify(
      request(
        Array.from({ length: perLine }, (_, i) => ({
          id: `s${l * perLine + i}`,
          name: `span-${l * perLine + i}`,
          start: i,
          end: i + 1,
        })),
      ),
    ),
  );
}

describe('readOtlpJsonFile', () => {
  it('streams JSON lines in batches and reports a torn last line', async () => {
    const path = join(dir, 'lines.jsonl');
    const lines = linesOf(30, 100);
    writeFileSync(path, `${lines.join('\n')}\n${lines[0]!.slice(0, 100)}`);
    const batches: number[] = [];
    const result = await readOtlpJsonFile(path, { batchSize: 700, onSpans: (b) => batches.push(b.length) });
    expect(result.spanCount).toBe(3000);
    expect(result.spans).toEqual([]);
    expect(batches.every((n) => n >= 700 || n === batches.at(-1))).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'torn-line', line: 31 })]);

    const all = await readOtlpJsonFile(path);
    expect(all.spans.map((s) => s.name)).toEqual(Array.from({ length: 3000 }, (_, i) => `span-${i}`));
  });

  it('reads lines with a byte order mark, CRLF endings, blank lines and a bad line in the middle', async () => {
    const path = join(dir, 'crlf.jsonl');
    const lines = linesOf(3, 2);
    writeFileSync(path, `\ufeff${lines[0]}\r\n\r\n{oops\r\n${lines[1]}\r\n${lines[2]}\r\n`);
    const problems: unknown[] = [];
    const result = await readOtlpJsonFile(path, { onProblem: (p) => problems.push(p) });
    expect(result.spanCount).toBe(6);
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'invalid-json', line: 3 })]);
    expect(problems).toEqual(result.problems);
  });

  it('reads a pretty-printed single object and an array file whole', async () => {
    const obj = join(dir, 'one.json');
    writeFileSync(obj, JSON.stringify(request([{ id: 'a', name: 'a', start: 0, end: 1 }]), null, 2));
    expect((await readOtlpJsonFile(obj)).spans.map((s) => s.name)).toEqual(['a']);
    const arr = join(dir, 'arr.json');
    writeFileSync(
      arr,
      JSON.stringify([
        request([{ id: 'a', name: 'a', start: 0, end: 1 }]),
        request([{ id: 'b', name: 'b', start: 0, end: 1 }]),
      ]),
    );
    expect((await readOtlpJsonFile(arr)).spans.map((s) => s.name)).toEqual(['a', 'b']);
    const single = join(dir, 'single-line-torn.jsonl');
    writeFileSync(single, linesOf(1, 1)[0]!.slice(0, 50));
    const torn = await readOtlpJsonFile(single);
    expect(torn.spans).toEqual([]);
    expect(torn.problems[0]!.kind).toBe('torn-line');
  });

  it('is an async iterable of batches too, and rejects for a missing file', async () => {
    const path = join(dir, 'iter.jsonl');
    writeFileSync(path, `${linesOf(5, 10).join('\n')}\n`);
    const sizes: number[] = [];
    for await (const batch of streamOtlpJsonFile(path, { batchSize: 20 })) sizes.push(batch.length);
    expect(sizes).toEqual([20, 20, 10]);
    await expect(readOtlpJsonFile(join(dir, 'missing.jsonl'))).rejects.toThrow(/ENOENT/);
  });
});

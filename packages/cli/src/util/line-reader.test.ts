import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines } from './line-reader.js';

async function collect(path: string, options = {}) {
  const lines = [];
  for await (const line of readLines(path, options))
    lines.push({ text: line.bytes.toString('utf8'), ...line });
  return lines;
}

describe('readLines', () => {
  it('gives complete lines with byte offsets, across chunk boundaries and multi-byte characters', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lazytrace-lines-')), 'f.jsonl');
    const text = 'first\nsecond é line\n\nlast line, not ended';
    writeFileSync(path, text);
    for (const chunkBytes of [1, 3, 7, 1 << 20]) {
      const lines = await collect(path, { chunkBytes });
      expect(lines.map((l) => l.text)).toEqual(['first', 'second é line', '']);
      expect(lines.map((l) => [l.start, l.end, l.number])).toEqual([
        [0, 6, 1],
        [6, 21, 2],
        [21, 22, 3],
      ]);
    }
  });

  it('reads between offsets and numbers lines from where it starts', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lazytrace-lines-')), 'f.jsonl');
    writeFileSync(path, 'a\nbb\nccc\ndddd\n');
    const lines = await collect(path, { from: 2, to: 9, fromLine: 2, chunkBytes: 2 });
    expect(lines.map((l) => [l.text, l.start, l.number])).toEqual([
      ['bb', 2, 2],
      ['ccc', 5, 3],
    ]);
  });
});

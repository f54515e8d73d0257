import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lazytrace, recordFile, tempDir } from './support.js';

// One recording for the file: 4 requests, every 2nd fails in its tool.
let dir: string;
let file: string;
let traceIds: string[];
beforeAll(async () => {
  dir = tempDir();
  ({ file, traceIds } = await recordFile(dir, { REQUESTS: '4', FAIL_EVERY: '2' }));
}, 60_000);

/** The start of an ANSI colour sequence. */
const ESC = '\u001b[';

interface JsonNode {
  name: string;
  kind: string;
  status: string;
  input: string | null;
  children: JsonNode[];
}

describe('lazytrace show', () => {
  it('prints the latest traces as trees, oldest first, from LAZYTRACE_FILE by default', async () => {
    const result = await lazytrace(['show'], { env: { LAZYTRACE_FILE: file } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const id of traceIds) expect(result.stdout).toContain(id);
    expect(result.stdout.indexOf(traceIds[0]!)).toBeLessThan(result.stdout.indexOf(traceIds[3]!));
    for (const name of ['ask', 'retrieve', 'dense', 'sparse', 'lookup', 'llm'])
      expect(result.stdout).toContain(name);
    expect(result.stdout).toContain('lookup failed for request 2');
    // Not a terminal: no colour codes.
    expect(result.stdout).not.toContain(ESC);
  });

  it('--trace by full id or prefix; --json gives the API shape; --last limits', async () => {
    const [first, second] = traceIds as [string, string];
    const full = await lazytrace(['show', file, '--trace', second, '--json']);
    expect(full.code).toBe(0);
    const built = JSON.parse(full.stdout) as {
      trace: { traceId: string; status: string; sessionId: string };
      root: JsonNode;
    };
    expect(built.trace.traceId).toBe(second);
    expect(built.trace.status).toBe('error');
    expect(built.trace.sessionId).toBe('session-1');
    expect(built.root.name).toBe('ask');
    expect(built.root.children.map((c) => c.name)).toEqual(['retrieve', 'lookup']);

    const prefix = await lazytrace(['show', file, '-t', first.slice(0, 8), '--json', '--level', 'minimal']);
    expect(prefix.code).toBe(0);
    const minimal = JSON.parse(prefix.stdout) as { trace: { traceId: string }; root: JsonNode };
    expect(minimal.trace.traceId).toBe(first);
    expect(minimal.root.input).toBeNull();

    const last = await lazytrace(['show', file, '--last', '1', '--json']);
    const listed = JSON.parse(last.stdout) as { traces: { trace: { traceId: string } }[] };
    expect(listed.traces.map((t) => t.trace.traceId)).toEqual([traceIds[3]]);
  });

  it('colours only with a terminal or FORCE_COLOR, never with NO_COLOR', async () => {
    const forced = await lazytrace(['show', file, '--last', '1'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain(ESC);
    const both = await lazytrace(['show', file, '--last', '1'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(both.stdout).not.toContain(ESC);
  });
});

describe('lazytrace stats and analyze', () => {
  it('stats counts requests, errors, percentiles, tokens and a histogram', async () => {
    const result = await lazytrace(['stats', file, '--json']);
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stdout) as {
      traceCount: number;
      spanCount: number;
      count: number;
      errorCount: number;
      p50: number;
      p99: number;
      histogram: { count: number }[];
      tokens: { input: number; output: number };
    };
    expect(stats.traceCount).toBe(4);
    expect(stats.count).toBe(4);
    expect(stats.errorCount).toBe(2);
    expect(stats.p50).toBeGreaterThan(0);
    expect(stats.p99).toBeGreaterThanOrEqual(stats.p50);
    expect(stats.histogram.reduce((sum, b) => sum + b.count, 0)).toBe(4);
    // Two successful requests, each one generation with 7 output tokens.
    expect(stats.tokens.output).toBe(14);

    const byKind = await lazytrace(['stats', file, '--by', 'kind', '--json']);
    const grouped = JSON.parse(byKind.stdout) as {
      groups: { key: string; count: number; errorCount: number }[];
    };
    const tool = grouped.groups.find((g) => g.key === 'tool');
    expect(tool).toMatchObject({ count: 4, errorCount: 2 });
    expect(grouped.groups.find((g) => g.key === 'llm')?.count).toBe(2);

    const text = await lazytrace(['stats', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/requests\s+4\s+2 \(50\.0%\)/);
  });

  it('analyze clusters the errors and reads one trace', async () => {
    const result = await lazytrace(['analyze', file, '--json']);
    expect(result.code).toBe(0);
    const analysis = JSON.parse(result.stdout) as {
      traceCount: number;
      errors: { name: string; count: number; errorType: string | null }[];
      criticalPath: string[];
    };
    expect(analysis.traceCount).toBe(4);
    // "request 2" and "request 4" differ only in a number: one cluster per failing span (the tool
    // and the flow it failed).
    expect(analysis.errors.map((e) => [e.name, e.count]).sort()).toEqual([
      ['ask', 2],
      ['lookup', 2],
    ]);
    expect(analysis.errors.find((e) => e.name === 'lookup')?.errorType).toBe('TypeError');
    expect(analysis.criticalPath.length).toBeGreaterThan(0);

    const one = await lazytrace(['analyze', file, '--trace', traceIds[0]!]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Critical path');
    expect(one.stdout).toContain('ask');
  });
});

describe('bad input', () => {
  it('a missing file: exit 1 and the path', async () => {
    for (const command of ['show', 'stats', 'analyze']) {
      const result = await lazytrace([command, join(dir, 'nope.jsonl')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`no such file: ${join(dir, 'nope.jsonl')}`);
    }
    const noDefault = await lazytrace(['show'], { cwd: dir });
    expect(noDefault.code).toBe(1);
    expect(noDefault.stderr).toContain('.lazytrace/traces.jsonl');
  });

  it('garbage lines are skipped with a warning, the rest is read', async () => {
    const messy = join(dir, 'messy.jsonl');
    writeFileSync(messy, `not json at all\n${readFileSync(file, 'utf8')}{"resourceSpans": [\n{"torn":`);
    const result = await lazytrace(['stats', messy, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).traceCount).toBe(4);
    expect(result.stderr).toMatch(/skipped 3 unreadable line/);
    expect(result.stderr).toContain('line 1');

    const show = await lazytrace(['show', messy, '--trace', traceIds[1]!]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('lookup');
  });

  it('a file with nothing readable: exit 1; an empty file: no traces, exit 0', async () => {
    const garbage = join(dir, 'garbage.jsonl');
    writeFileSync(garbage, 'hello\nworld\n');
    const bad = await lazytrace(['show', garbage]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no spans could be read');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const none = await lazytrace(['show', empty]);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('no traces');
  });

  it('an unknown trace id: exit 1; a malformed one or an ambiguous prefix: exit 2', async () => {
    const unknown = await lazytrace(['show', file, '--trace', 'f'.repeat(32)]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`trace ${'f'.repeat(32)} not found`);
    const malformed = await lazytrace(['show', file, '--trace', 'not-an-id']);
    expect(malformed.code).toBe(2);
    // A prefix every trace id shares cannot exist for random ids; two files' worth of one id can.
    const twice = join(dir, 'twice.jsonl');
    appendFileSync(twice, readFileSync(file, 'utf8'));
    const sameStart = traceIds.find((a, i) =>
      traceIds.some((b, j) => i !== j && a.slice(0, 4) === b.slice(0, 4)),
    );
    if (sameStart !== undefined) {
      const ambiguous = await lazytrace(['show', twice, '--trace', sameStart.slice(0, 4)]);
      expect(ambiguous.code).toBe(2);
    }
  });

  it('usage errors exit 2: unknown command, unknown option, bad values, missing arguments', async () => {
    for (const args of [
      ['frobnicate'],
      ['show', '--bogus'],
      ['show', '--last', 'zero'],
      ['stats', '--by', 'colour'],
      ['show', '--level', 'loud'],
      ['replay'],
      ['replay', file],
      ['fetch', 'abc'],
      ['cleanup', file],
      ['cleanup', file, '--older-than', 'soon'],
      ['export-html', file],
      ['sql'],
    ]) {
      const result = await lazytrace(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
  });
});

describe('help and version', () => {
  it('--help for every command, exit 0', async () => {
    const commands = [
      'show',
      'tail',
      'stats',
      'analyze',
      'serve',
      'export-html',
      'replay',
      'fetch',
      'cleanup',
      'sql',
    ];
    const top = await lazytrace(['--help']);
    expect(top.code).toBe(0);
    for (const command of commands) expect(top.stdout).toContain(command);
    for (const command of commands) {
      const result = await lazytrace([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain(`Usage: lazytrace ${command}`);
      expect(result.stdout, command).toContain('Examples:');
    }
    const version = await lazytrace(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(
      (
        JSON.parse(readFileSync(new URL('../../packages/cli/package.json', import.meta.url), 'utf8')) as {
          version: string;
        }
      ).version,
    );
  });
});

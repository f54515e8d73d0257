import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOtlpJson, toOtlpJsonLines } from '@lazytrace/traces';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordApp, recordFile, spawnLazytrace, tempDir } from './support.js';

/** A recording to copy traces from. */
let sample: ReturnType<typeof readOtlpJson>['spans'];
beforeAll(async () => {
  const { file } = await recordFile(tempDir(), { REQUESTS: '2' });
  sample = readOtlpJson(readFileSync(file, 'utf8')).spans;
}, 60_000);

const FAST = ['--json', '--settle', '100ms', '--interval', '50ms'];

function printed(stdout: string): { trace: { traceId: string; spanCount: number } }[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

describe('lazytrace tail', () => {
  it('waits for the file, prints each new trace once, through truncation and rotation', async () => {
    const dir = tempDir();
    const file = join(dir, 'live.jsonl');
    const tail = spawnLazytrace(['tail', file, ...FAST]);
    try {
      await tail.waitFor(/waiting for .*live\.jsonl/, { stream: 'stderr' });

      const first = await recordApp({ LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file, REQUESTS: '2' });
      await tail.waitFor(new RegExp(first[1]!));
      await tail.waitFor(new RegExp(first[0]!));

      // Truncated (an app that rewrites its file): read again from the start.
      writeFileSync(file, '');
      const second = await recordApp({ LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file, REQUESTS: '1' });
      await tail.waitFor(new RegExp(second[0]!));
      await tail.waitFor(/truncated/, { stream: 'stderr' });

      // Rotated (logrotate, cleanup): the new file at the path is followed from its start.
      renameSync(file, `${file}.1`);
      const third = await recordApp({ LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file, REQUESTS: '1' });
      await tail.waitFor(new RegExp(third[0]!));

      // A garbage line is reported, and tail goes on.
      appendFileSync(file, 'this is not json\n');
      const fourth = await recordApp({ LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file, REQUESTS: '1' });
      await tail.waitFor(new RegExp(fourth[0]!));
      expect(tail.stderr).toMatch(/line \d+/);

      const ids = printed(tail.stdout).map((t) => t.trace.traceId);
      expect(ids.sort()).toEqual([...first, ...second, ...third, ...fourth].sort());
      for (const t of printed(tail.stdout)) expect(t.trace.spanCount).toBe(7);
    } finally {
      expect(await tail.stop()).toBe(0);
    }
  });

  it('prints a trace only once its root has ended and the file settled; existing traces are skipped', async () => {
    const dir = tempDir();
    const file = join(dir, 'split.jsonl');
    const [oldTrace, newTrace] = [...new Set(sample.map((s) => s.traceId))] as [string, string];
    writeFileSync(file, toOtlpJsonLines(sample.filter((s) => s.traceId === oldTrace)));
    const tail = spawnLazytrace(['tail', file, ...FAST]);
    try {
      await tail.waitFor(/following .*\(1 earlier trace\(s\) not shown/, { stream: 'stderr' });
      const spans = sample.filter((s) => s.traceId === newTrace);
      const children = spans.filter((s) => s.parentSpanId !== undefined);
      const root = spans.filter((s) => s.parentSpanId === undefined);
      appendFileSync(file, toOtlpJsonLines(children));
      await new Promise((r) => setTimeout(r, 600));
      expect(tail.stdout).toBe('');
      appendFileSync(file, toOtlpJsonLines(root));
      await tail.waitFor(new RegExp(newTrace));
      const [trace] = printed(tail.stdout);
      expect(trace!.trace.spanCount).toBe(spans.length);
      expect(tail.stdout).not.toContain(oldTrace);
    } finally {
      expect(await tail.stop()).toBe(0);
    }
  });

  it('--from-start prints what the file already holds', async () => {
    const dir = tempDir();
    const file = join(dir, 'existing.jsonl');
    writeFileSync(file, toOtlpJsonLines(sample));
    const tail = spawnLazytrace(['tail', file, '--from-start', '--level', 'minimal'], {
      env: { NO_COLOR: '1' },
    });
    try {
      for (const id of new Set(sample.map((s) => s.traceId))) await tail.waitFor(new RegExp(id));
      expect(tail.stdout).toContain('ask');
    } finally {
      expect(await tail.stop()).toBe(0);
    }
  });

  it('names a trace printed without its root span', async () => {
    const dir = tempDir();
    const file = join(dir, 'rootless.jsonl');
    const [traceId] = [...new Set(sample.map((s) => s.traceId))] as [string];
    const children = sample.filter((s) => s.traceId === traceId && s.parentSpanId !== undefined);
    writeFileSync(file, toOtlpJsonLines(children));
    const tail = spawnLazytrace(['tail', file, '--from-start', '--max-wait', '200ms', '--interval', '50ms'], {
      env: { NO_COLOR: '1' },
    });
    try {
      await tail.waitFor(new RegExp(`trace ${traceId} never got its root span`), { stream: 'stderr' });
    } finally {
      expect(await tail.stop()).toBe(0);
    }
  });
});

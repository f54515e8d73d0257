import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const child = fileURLToPath(new URL('./signal-child.mjs', import.meta.url));

it('SIGTERM with handleSignals: spans flushed, process ends by the signal; top-level setTrace reaches timers', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'lazytrace-signal-')), 'traces.jsonl');
  const proc = spawn(process.execPath, [child], {
    env: { PATH: process.env.PATH ?? '', LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await new Promise<void>((resolve) =>
    proc.stdout.on('data', (c: Buffer) => c.toString().includes('ready') && resolve()),
  );
  proc.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    proc.on('exit', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  expect(signal ?? code).toBe('SIGTERM');
  const spans = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) =>
      JSON.parse(line).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)),
    );
  expect(spans).toHaveLength(3);
  for (const span of spans) {
    const session = span.attributes.find((a: { key: string }) => a.key === 'session.id');
    expect(session?.value.stringValue).toBe('top-level-session');
  }
});

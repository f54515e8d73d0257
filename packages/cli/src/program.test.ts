import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './io.js';
import { run } from './program.js';
import { startProgress } from './progress.js';

function collector(isTTY = false) {
  let text = '';
  return {
    stream: {
      isTTY,
      columns: 100,
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    },
    get text() {
      return text;
    },
  };
}

function io(env: Record<string, string> = {}, cwd = process.cwd()) {
  const stdout = collector();
  const stderr = collector();
  const value: CliIo = { stdout: stdout.stream, stderr: stderr.stream, env, cwd };
  return { io: value, stdout, stderr };
}

describe('run (the bin, in-process)', () => {
  it('maps outcomes to exit codes: 0 help, 2 usage, 1 failure', async () => {
    const help = io();
    expect(await run(['--help'], help.io)).toBe(0);
    expect(help.stdout.text).toContain('Usage: lazytrace');
    const usage = io();
    expect(await run(['show', '--level', 'loud'], usage.io)).toBe(2);
    expect(usage.stderr.text).toContain("argument 'loud' is invalid");
    const failure = io();
    expect(await run(['show', '/no/such/file.jsonl'], failure.io)).toBe(1);
    expect(failure.stderr.text).toBe('lazytrace: no such file: /no/such/file.jsonl\n');
  });

  it('never prints the Langfuse secret key, whatever a message holds', async () => {
    const secret = 'sk-lf-0123456789';
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-redact-'));
    const out = io({ LANGFUSE_SECRET_KEY: secret }, dir);
    expect(await run(['show', `missing-${secret}.jsonl`], out.io)).toBe(1);
    expect(out.stderr.text).not.toContain(secret);
    expect(out.stderr.text).toContain('missing-***.jsonl');

    // Nor as the Basic credentials of an Authorization header.
    const basic = Buffer.from(`pk-lf-1:${secret}`).toString('base64');
    const echoed = io({ LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: secret }, dir);
    expect(await run(['show', `Basic ${basic}.jsonl`], echoed.io)).toBe(1);
    expect(echoed.stderr.text).not.toContain(basic);
    expect(echoed.stderr.text).toContain('Basic ***.jsonl');
  });

  it('never prints an OTLP header value (an API key, a bearer token), as written or decoded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-redact-'));
    const out = io(
      {
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=key-0123456789',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'Authorization=Bearer%20tok-9876',
      },
      dir,
    );
    expect(await run(['show', 'missing-key-0123456789-Bearer tok-9876.jsonl'], out.io)).toBe(1);
    expect(out.stderr.text).not.toContain('0123456789');
    expect(out.stderr.text).not.toContain('tok-9876');
    expect(out.stderr.text).toContain('missing-***-***.jsonl');
  });

  it('never prints the password of a URL from the environment or the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-redact-'));
    const out = io({ LANGFUSE_BASE_URL: 'https://proxy:env-pa55word@langfuse.example' }, dir);
    expect(await run(['show', 'http://u:arg-pa55word@h/missing-env-pa55word.jsonl'], out.io)).toBe(1);
    expect(out.stderr.text).not.toContain('pa55word');
    expect(out.stderr.text).toContain('u:***@h/missing-***.jsonl');
    // An option's value after "=", percent-encoded: masked as written and decoded.
    const option = io({}, dir);
    expect(await run(['show', '--level=http://u:p%40ss-word@h/p@ss-word'], option.io)).not.toBe(0);
    expect(option.stderr.text).not.toContain('ss-word');
  });

  it('reads LAZYTRACE_FILE relative to the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-env-'));
    writeFileSync(join(dir, 'mine.jsonl'), '');
    const out = io({ LAZYTRACE_FILE: 'mine.jsonl' }, dir);
    expect(await run(['show'], out.io)).toBe(0);
    expect(out.stderr.text).toContain(join(dir, 'mine.jsonl'));
  });
});

describe('progress', () => {
  it('draws a bar on a terminal only, and not with LAZYTRACE_PROGRESS=0', () => {
    const tty = collector(true);
    const bar = startProgress({ stdout: tty.stream, stderr: tty.stream, env: {}, cwd: '/' }, 'replaying', 10);
    bar.update(5);
    bar.stop();
    expect(tty.text).toContain('replaying [');
    expect(tty.text).toContain('/10 spans');

    const pipe = collector(false);
    const silent = startProgress(
      { stdout: pipe.stream, stderr: pipe.stream, env: {}, cwd: '/' },
      'replaying',
      10,
    );
    silent.update(5);
    silent.stop();
    expect(pipe.text).toBe('');

    const off = collector(true);
    startProgress(
      { stdout: off.stream, stderr: off.stream, env: { LAZYTRACE_PROGRESS: '0' }, cwd: '/' },
      'x',
      1,
    ).stop();
    expect(off.text).toBe('');
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./child.mjs', import.meta.url));

describe('a process that exits without calling shutdown', () => {
  it('has every span in the file backend and at the OTLP receiver', async () => {
    const receiver = await startOtlpReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'lazytrace-exit-'));
    const file = join(dir, 'nested', 'traces.jsonl');
    try {
      const calls = 3;
      const { stdout } = await run(process.execPath, [child], {
        env: {
          PATH: process.env.PATH,
          CALLS: String(calls),
          LAZYTRACE_BACKENDS: 'file,otlp',
          LAZYTRACE_FILE: file,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        },
        timeout: 20_000,
      });
      expect(stdout).toContain('child done');
      const spansPerCall = 6; // exit-flow, prepare, fanout, a, b, finish
      const expected = calls * spansPerCall;

      const lines = readFileSync(file, 'utf8').trim().split('\n');
      const fileSpans = lines.flatMap((line) =>
        (
          JSON.parse(line) as {
            resourceSpans: { scopeSpans: { spans: { name: string; traceId: string }[] }[] }[];
          }
        ).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
      );
      expect(fileSpans).toHaveLength(expected);
      expect(new Set(fileSpans.map((s) => s.traceId)).size).toBe(calls);

      const received = await receiver.waitFor(expected);
      expect(received).toHaveLength(expected);
      expect(received.filter((s) => s.name === 'exit-flow')).toHaveLength(calls);
      expect(received.every((s) => s.resource['service.name'] === 'exit-child')).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

describe('the environment without initTracing (an application with its own OTel SDK)', () => {
  it('LAZYTRACE_ENABLED, LAZYTRACE_CAPTURE_CONTENT and LAZYTRACE_MAX_CONTENT_CHARS apply on import', async () => {
    const script = `
      import { getTrace } from '@lazytrace/config';
      import { getTracingSettings } from '@lazytrace/core';
      console.log(JSON.stringify({ enabled: getTrace().enabled, capture: getTrace().captureContent, max: getTracingSettings().maxContentChars }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../packages/config', import.meta.url)),
      env: {
        PATH: process.env.PATH,
        LAZYTRACE_ENABLED: 'false',
        LAZYTRACE_CAPTURE_CONTENT: 'no',
        LAZYTRACE_MAX_CONTENT_CHARS: '9000',
      },
    });
    expect(JSON.parse(stdout)).toEqual({ enabled: false, capture: false, max: 9000 });
  });
});

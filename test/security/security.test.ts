import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTracing, setTrace, shutdownTracing, withTrace } from '@lazytrace/config';
import { fn, pipeline } from '@lazytrace/core';
import { context, propagation } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => shutdownTracing());

function fileBackend() {
  const file = join(mkdtempSync(join(tmpdir(), 'lazytrace-sec-')), 'traces.jsonl');
  initTracing({ backends: ['file'], file: { path: file }, flushOnExit: false });
  return async () => {
    await shutdownTracing();
    return readFileSync(file, 'utf8');
  };
}

const SECRET = 'sk-live-51HGS-very-secret';

describe('security', () => {
  it('redaction is on by default: secret-looking keys never reach the exported bytes', async () => {
    const read = fileBackend();
    const call = fn((req: Record<string, unknown>) => ({ ok: true, echo: req }), { name: 'call' });
    await call.invoke({
      headers: { Authorization: `Bearer ${SECRET}`, cookie: `session=${SECRET}` },
      apiKey: SECRET,
      nested: [{ password: SECRET, client_secret: SECRET, refresh_token: SECRET }],
      question: 'visible',
    });
    const bytes = await read();
    expect(bytes).toContain('visible');
    expect(bytes).toContain('[REDACTED]');
    expect(bytes).not.toContain(SECRET);
  });

  it('content capture off captures nothing: no input, no output in the exported bytes', async () => {
    const read = fileBackend();
    const flow = pipeline({
      a: (x: string) => `${x} seen by a`,
      b: fn((x: string) => `${x} and b`, { kind: 'llm' }),
    });
    await withTrace({ captureContent: false }, () => flow.invoke('PRIVATE-USER-TEXT'));
    const bytes = await read();
    expect(bytes).not.toContain('PRIVATE-USER-TEXT');
    expect(bytes).not.toContain('lazytrace.input');
    expect(bytes).not.toContain('lazytrace.output');
    expect(bytes).not.toContain('gen_ai.retrieval.query.text');
    expect(bytes).toContain('"lazytrace.kind"'); // the spans themselves are there
  });

  it('LAZYTRACE_CAPTURE_CONTENT=false does the same from the environment', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lazytrace-sec-')), 'traces.jsonl');
    initTracing({
      env: { LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file, LAZYTRACE_CAPTURE_CONTENT: 'false' },
      flushOnExit: false,
    });
    await fn((x: string) => x.toUpperCase(), { name: 'upper' }).invoke('private words');
    await shutdownTracing();
    const bytes = readFileSync(file, 'utf8');
    expect(bytes).toContain('upper');
    expect(bytes.toLowerCase()).not.toContain('private words');
  });

  it('no session, user or tag leaves as W3C baggage to downstream services', async () => {
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
    try {
      initTracing({ backends: ['none'], flushOnExit: false });
      setTrace({
        sessionId: 'sess-private',
        userId: 'user@example.com',
        tags: ['vip'],
        metadata: { plan: 'gold' },
      });
      const outgoing: Record<string, string> = {};
      await fn(
        () => {
          propagation.inject(context.active(), outgoing);
        },
        { name: 'downstream-call' },
      ).invoke(null);
      expect(outgoing.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(outgoing.baggage).toBeUndefined();
      expect(JSON.stringify(outgoing)).not.toMatch(/sess-private|user@example\.com|vip|gold/);
    } finally {
      propagation.disable();
    }
  });
});

import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readOtlpJson } from '@lazytrace/traces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLangfuseContractServer } from '../support/langfuse-contract-server.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { lazytrace, recordFile, tempDir } from './support.js';

let file: string;
let recorded: ReturnType<typeof readOtlpJson>['spans'];
beforeAll(async () => {
  ({ file } = await recordFile(tempDir(), { REQUESTS: '3', FAIL_EVERY: '3' }));
  recorded = readOtlpJson(readFileSync(file, 'utf8')).spans;
}, 60_000);

/**
 * In front of the real receiver: answers the first `failures` requests with `status` (and a
 * Retry-After), or rewrites 200 answers into a partial success, and passes the rest through.
 */
async function startFlakyProxy(
  target: string,
  plan: { failures?: number; status?: number; retryAfter?: string; rejectedPerRequest?: number },
) {
  let failuresLeft = plan.failures ?? 0;
  const seen: { at: number; status: number }[] = [];
  const headers: Record<string, string | string[] | undefined>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      headers.push(req.headers);
      if (failuresLeft > 0) {
        failuresLeft--;
        seen.push({ at: Date.now(), status: plan.status ?? 503 });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (plan.retryAfter !== undefined) headers['retry-after'] = plan.retryAfter;
        res.writeHead(plan.status ?? 503, headers).end('{"message":"try later"}');
        return;
      }
      const url = new URL(`${target}${req.url}`);
      const forward = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: req.headers },
        (answer) => {
          answer.resume();
          answer.on('end', () => {
            seen.push({ at: Date.now(), status: answer.statusCode ?? 0 });
            const body =
              plan.rejectedPerRequest !== undefined
                ? JSON.stringify({
                    partialSuccess: {
                      rejectedSpans: String(plan.rejectedPerRequest),
                      errorMessage: 'too old',
                    },
                  })
                : '{}';
            res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' }).end(body);
          });
        },
      );
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('replay --to otlp (to @elastic/mockotlpserver)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('sends every span with its ids, parents, names, attributes and resource, batched', async () => {
    receiver.spans.length = 0;
    const result = await lazytrace([
      'replay',
      file,
      '--to',
      'otlp',
      '--endpoint',
      receiver.url,
      '--batch-size',
      '4',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${recorded.length} accepted`);
    const received = await receiver.waitFor(recorded.length);
    expect(received).toHaveLength(recorded.length);
    for (const span of recorded) {
      const got = received.find((r) => r.spanId === span.spanId);
      expect(got, span.name).toBeDefined();
      expect(got!.traceId).toBe(span.traceId);
      expect(got!.parentSpanId || undefined).toBe(span.parentSpanId);
      expect(got!.name).toBe(span.name);
      expect(got!.attributes['lazytrace.kind']).toBe(span.attributes['lazytrace.kind']);
      expect(got!.attributes['lazytrace.input']).toBe(span.attributes['lazytrace.input']);
      expect(got!.resource['service.name']).toBe('cli-test-app');
    }
    const errored = recorded.filter((s) => s.status === 'error').map((s) => s.spanId);
    expect(errored.length).toBeGreaterThan(0);
    for (const id of errored)
      expect(received.find((r) => r.spanId === id)!.status?.code).toBe('STATUS_CODE_ERROR');
  });

  it('honours OTEL_EXPORTER_OTLP_ENDPOINT, protobuf and --shift-time', async () => {
    receiver.spans.length = 0;
    const before = Date.now();
    const result = await lazytrace(['replay', file, '--to', 'otlp', '--shift-time', '--json'], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      accepted: number;
      notAccepted: number;
      shiftedByMs: number;
    };
    expect(report).toMatchObject({ accepted: recorded.length, notAccepted: 0 });
    expect(report.shiftedByMs).toBeGreaterThan(0);
    const received = await receiver.waitFor(recorded.length);
    expect(received).toHaveLength(recorded.length);
    // Moved so that the last span ends when the replay started; gaps between spans kept.
    const endMs = (r: (typeof received)[number]) =>
      Number(BigInt((r as unknown as { endTimeUnixNano: string }).endTimeUnixNano) / 1_000_000n);
    const lastEnd = Math.max(...received.map(endMs));
    expect(lastEnd).toBeGreaterThanOrEqual(before - 1);
    expect(lastEnd).toBeLessThanOrEqual(Date.now());
    const recordedLastEnd = Math.max(...recorded.map((s) => s.endMs));
    const recordedFirst = recorded.reduce((a, b) => (a.endMs < b.endMs ? a : b));
    const shiftedFirst = received.find((r) => r.spanId === recordedFirst.spanId)!;
    expect(
      Math.abs(lastEnd - endMs(shiftedFirst) - (recordedLastEnd - recordedFirst.endMs)),
    ).toBeLessThanOrEqual(1);
  });

  it('waits out 429 with Retry-After and retries 503, then delivers everything', async () => {
    receiver.spans.length = 0;
    const proxy = await startFlakyProxy(receiver.url, { failures: 2, status: 429, retryAfter: '1' });
    try {
      const result = await lazytrace([
        'replay',
        file,
        '--to',
        'otlp',
        '--endpoint',
        proxy.url,
        '--concurrency',
        '1',
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/answered 429.*retry 1 in 1\.0s/);
      expect(proxy.seen.map((s) => s.status).slice(0, 3)).toEqual([429, 429, 200]);
      // Retry-After: 1 was waited each time.
      expect(proxy.seen[1]!.at - proxy.seen[0]!.at).toBeGreaterThanOrEqual(900);
      expect(await receiver.waitFor(recorded.length)).toHaveLength(recorded.length);
    } finally {
      await proxy.close();
    }
    receiver.spans.length = 0;
    const flaky = await startFlakyProxy(receiver.url, { failures: 1, status: 503 });
    try {
      const result = await lazytrace(['replay', file, '--to', 'otlp', '--endpoint', flaky.url]);
      expect(result.code, result.stderr).toBe(0);
      expect(await receiver.waitFor(recorded.length)).toHaveLength(recorded.length);
    } finally {
      await flaky.close();
    }
  });

  it('sends OTEL_EXPORTER_OTLP_HEADERS, the TRACES_ form winning', async () => {
    receiver.spans.length = 0;
    const proxy = await startFlakyProxy(receiver.url, {});
    try {
      const result = await lazytrace(['replay', file, '--to', 'otlp'], {
        env: {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${proxy.url}/v1/traces`,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%20def,x-tenant=one',
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=two',
        },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.headers[0]).toMatchObject({ 'x-api-key': 'abc def', 'x-tenant': 'two' });
      expect(await receiver.waitFor(recorded.length)).toHaveLength(recorded.length);
    } finally {
      await proxy.close();
    }
  });

  it('counts a partial success as not accepted: exit 1 with the count', async () => {
    const proxy = await startFlakyProxy(receiver.url, { rejectedPerRequest: 2 });
    try {
      const result = await lazytrace([
        'replay',
        file,
        '--to',
        'otlp',
        '--endpoint',
        proxy.url,
        '--batch-size',
        '1000',
        '--json',
      ]);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as {
        accepted: number;
        rejected: number;
        notAccepted: number;
        errors: string[];
      };
      expect(report.rejected).toBe(2);
      expect(report.notAccepted).toBe(2);
      expect(report.accepted).toBe(recorded.length - 2);
      expect(report.errors.join(' ')).toContain('too old');
    } finally {
      await proxy.close();
    }
  });

  it('a down endpoint: exit 1 and how many spans were not accepted', async () => {
    const result = await lazytrace([
      'replay',
      file,
      '--to',
      'otlp',
      '--endpoint',
      await closedPort(),
      '--retries',
      '1',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${recorded.length} not accepted`);
    expect(result.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/traces: .*ECONNREFUSED/);
  });

  it('--dry-run reads, validates and counts, sends nothing', async () => {
    receiver.spans.length = 0;
    const result = await lazytrace([
      'replay',
      file,
      '--to',
      'otlp',
      '--endpoint',
      receiver.url,
      '--dry-run',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      dryRun: true,
      spans: recorded.length,
      traces: 3,
      wouldSend: recorded.length,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.spans).toHaveLength(0);
  });
});

describe('replay --to langfuse (to the Langfuse contract server)', () => {
  let langfuse: Awaited<ReturnType<typeof startLangfuseContractServer>>;
  beforeAll(async () => {
    langfuse = await startLangfuseContractServer();
  });
  afterAll(async () => {
    await langfuse.close();
  });
  const env = () => ({
    LANGFUSE_PUBLIC_KEY: langfuse.keys.publicKey,
    LANGFUSE_SECRET_KEY: langfuse.keys.secretKey,
    LANGFUSE_BASE_URL: langfuse.baseUrl,
  });

  it("goes through @lazytrace/langfuse's translation; OTLP headers never reach Langfuse", async () => {
    langfuse.accepted.length = 0;
    const result = await lazytrace(['replay', file, '--to', 'langfuse', '--new-ids'], {
      env: { ...env(), OTEL_EXPORTER_OTLP_HEADERS: 'x-other-vendor-key=do-not-leak' },
    });
    expect(result.code, result.stderr).toBe(0);
    const accepted = await langfuse.waitForSpans(recorded.length);
    expect(accepted).toHaveLength(recorded.length);
    // Fresh ids, same structure.
    expect(accepted.some((s) => recorded.some((r) => r.spanId === s.spanId))).toBe(false);
    const llm = accepted.find((s) => s.name === 'llm')!;
    expect(llm.attributes['langfuse.observation.type']).toBe('generation');
    expect(llm.attributes['langfuse.observation.model.name']).toBe('fake-chat-2026');
    expect(llm.attributes['langfuse.session.id']).toMatch(/^session-/);
    const ask = accepted.filter((s) => s.name === 'ask');
    expect(ask.every((s) => s.parentSpanId === undefined)).toBe(true);
    for (const r of langfuse.requests) expect(JSON.stringify(r.headers)).not.toContain('do-not-leak');
  });

  it('wrong keys: exit 1, a clear message naming the public key, the secret never printed', async () => {
    const secret = 'sk-lf-wrong-secret-value';
    const result = await lazytrace(['replay', file, '--to', 'langfuse'], {
      env: { ...env(), LANGFUSE_SECRET_KEY: secret },
    });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('rejected the credentials (401)');
    expect(result.stdout + result.stderr).toContain(langfuse.keys.publicKey);
    expect(result.stdout + result.stderr).not.toContain(secret);
    // Nothing even tried to print it (the bin masks a secret it sees as ***).
    expect(result.stdout + result.stderr).not.toContain('***');
    expect(result.stdout).toContain(`${recorded.length} not accepted`);
  });

  it('missing keys: a usage error naming the variable', async () => {
    const result = await lazytrace(['replay', file, '--to', 'langfuse'], {
      env: { LANGFUSE_BASE_URL: langfuse.baseUrl },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('LANGFUSE_PUBLIC_KEY');
  });

  it('a 429 from Langfuse is retried as Retry-After asks', async () => {
    langfuse.accepted.length = 0;
    langfuse.set({ kind: 'status', status: 429, times: 1, retryAfterSeconds: 1 });
    const result = await lazytrace(['replay', file, '--to', 'langfuse', '--new-ids'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(await langfuse.waitForSpans(recorded.length)).toHaveLength(recorded.length);
  });
});

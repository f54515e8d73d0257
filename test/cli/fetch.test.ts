import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLangfuseContractServer } from '../support/langfuse-contract-server.js';
import { lazytrace, recordApp, tempDir } from './support.js';

type Langfuse = Awaited<ReturnType<typeof startLangfuseContractServer>>;
let langfuse: Langfuse;
let dir: string;
let file: string;
let traceIds: string[];

const env = (extra: Record<string, string> = {}) => ({
  LANGFUSE_PUBLIC_KEY: langfuse.keys.publicKey,
  LANGFUSE_SECRET_KEY: langfuse.keys.secretKey,
  LANGFUSE_BASE_URL: langfuse.baseUrl,
  ...extra,
});

beforeAll(async () => {
  langfuse = await startLangfuseContractServer();
  dir = tempDir();
  file = join(dir, 'local.jsonl');
  // The same requests go to a local file and to "Langfuse" (the app's two backends).
  traceIds = await recordApp({
    ...env(),
    LAZYTRACE_BACKENDS: 'file,langfuse',
    LAZYTRACE_FILE: file,
    REQUESTS: '3',
    FAIL_EVERY: '3',
  });
}, 60_000);
afterAll(async () => {
  await langfuse.close();
});

interface Node {
  name: string;
  kind: string;
  status: string;
  input: string | null;
  output: string | null;
  model: string | null;
  tokens: { input: number; output: number } | null;
  children: Node[];
}
interface Built {
  trace: {
    traceId: string;
    name: string;
    sessionId: string | null;
    userId: string | null;
    tags: string[];
    tokens: object;
  };
  root: Node;
}

/** What must survive the trip: names, nesting, input/output, model, usage, status (and kinds). */
function shape(node: Node, withKind = true): object {
  return {
    name: node.name,
    ...(withKind ? { kind: node.kind } : {}),
    status: node.status,
    input: node.input,
    output: node.output,
    model: node.model,
    tokens: node.tokens === null ? null : { input: node.tokens.input, output: node.tokens.output },
    children: node.children
      .map((child) => shape(child, withKind))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

async function showJson(path: string, traceId: string): Promise<Built> {
  const result = await lazytrace(['show', path, '--trace', traceId, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Built;
}

async function expectSameTree(fetched: string, traceId: string, withKind = true): Promise<void> {
  const original = await showJson(file, traceId);
  const back = await showJson(fetched, traceId);
  expect(shape(back.root, withKind)).toEqual(shape(original.root, withKind));
  for (const key of ['name', 'sessionId', 'userId', 'tags', 'tokens'] as const) {
    expect(back.trace[key], key).toEqual(original.trace[key]);
  }
}

describe('lazytrace fetch --from langfuse', () => {
  it('round trip: lazytrace → Langfuse → fetch → show gives the same tree (observations v2)', async () => {
    for (const traceId of traceIds) {
      const out = join(dir, `fetched-${traceId}.jsonl`);
      const result = await lazytrace(['fetch', traceId, '--from', 'langfuse', '-o', out, '--json'], {
        env: env(),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        source: 'observations-v2',
        settled: true,
        file: out,
      });
      await expectSameTree(out, traceId);
    }
    const reads = langfuse.requests.filter((r) => r.path.startsWith('/api/public/v2/observations'));
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) {
      const query = new URL(r.path, 'http://x').searchParams;
      expect(query.get('fields')).toContain('io');
      expect(query.get('parseIoAsJson')).toBeNull();
    }
  });

  it('falls back to the trace endpoint on a server without v2, same tree', async () => {
    langfuse.setRead({ v2: false });
    try {
      const traceId = traceIds[2]!;
      const out = join(dir, 'fallback.jsonl');
      const result = await lazytrace(['fetch', traceId, '--from', 'langfuse', '-o', out, '--json'], {
        env: env(),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).source).toBe('trace');
      await expectSameTree(out, traceId);
    } finally {
      langfuse.setRead({});
    }
  });

  it('without the metadata copy of the attributes, the first-class fields alone give the same tree', async () => {
    langfuse.setRead({ metadata: false });
    try {
      const traceId = traceIds[1]!;
      const out = join(dir, 'no-metadata.jsonl');
      const result = await lazytrace(['fetch', traceId, '--from', 'langfuse', '-o', out], { env: env() });
      expect(result.code, result.stderr).toBe(0);
      // A plain module is a Langfuse "span": its lazytrace kind only travels in the metadata.
      await expectSameTree(out, traceId, false);
    } finally {
      langfuse.setRead({});
    }
  });

  it('prints the tree without -o', async () => {
    const result = await lazytrace(['fetch', traceIds[0]!, '--from', 'langfuse'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    for (const name of ['ask', 'retrieve', 'lookup', 'llm', 'fake-chat-2026'])
      expect(result.stdout).toContain(name);
  });

  it('waits while Langfuse is still ingesting (observations appearing one by one)', async () => {
    langfuse.setRead({ ingestionLagMs: 400, revealEveryMs: 150 });
    const lagging = await recordApp({ ...env(), LAZYTRACE_BACKENDS: 'langfuse', REQUESTS: '1' });
    try {
      const out = join(dir, 'lagging.jsonl');
      const result = await lazytrace(
        ['fetch', lagging[0]!, '--from', 'langfuse', '-o', out, '--json', '--wait', '20s'],
        {
          env: env(),
        },
      );
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { observations: number; settled: boolean };
      const sent = langfuse.accepted.filter((s) => s.traceId === lagging[0]).length;
      expect(sent).toBe(7);
      expect(report).toEqual(expect.objectContaining({ observations: sent, settled: true }));
      // All 7 read back: the last one became readable 400 + 6 × 150 ms after it was accepted, so
      // fetch waited for it (the count proves it without timing the wall clock).
    } finally {
      langfuse.setRead({});
    }
  });

  it('follows v2 cursor pages for a trace of more than 1,000 observations', async () => {
    const [wideTrace] = await recordApp({
      ...env(),
      LAZYTRACE_BACKENDS: 'langfuse',
      REQUESTS: '1',
      WIDE: '1100',
    });
    const result = await lazytrace(
      ['fetch', wideTrace!, '--from', 'langfuse', '-o', join(dir, 'wide.jsonl'), '--json'],
      {
        env: env(),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const sent = langfuse.accepted.filter((s) => s.traceId === wideTrace).length;
    expect(sent).toBeGreaterThan(1100);
    expect(JSON.parse(result.stdout).observations).toBe(sent);
    const pages = langfuse.requests.filter(
      (r) => r.path.includes(`traceId=${wideTrace}`) && r.path.includes('cursor='),
    );
    expect(pages.length).toBeGreaterThan(0);
  });

  it('retries a 429 on reads as Retry-After asks', async () => {
    langfuse.setRead({ status: { status: 429, times: 1, retryAfterSeconds: 1 } });
    const result = await lazytrace(['fetch', traceIds[0]!, '--from', 'langfuse', '--json'], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/answered 429.*retry 1 in 1\.0s/);
  });
});

describe('fetch: bad input', () => {
  it('an unknown trace id: exit 1 after a bounded wait', async () => {
    const result = await lazytrace(['fetch', 'e'.repeat(32), '--from', 'langfuse', '--wait', '1s'], {
      env: env(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`trace ${'e'.repeat(32)} not found in Langfuse at ${langfuse.baseUrl}`);
  });

  it('wrong keys: exit 1, clear message, the secret never printed', async () => {
    const secret = 'sk-lf-definitely-wrong';
    const result = await lazytrace(['fetch', traceIds[0]!, '--from', 'langfuse'], {
      env: env({ LANGFUSE_SECRET_KEY: secret }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rejected the credentials (401)');
    expect(result.stderr).toContain(langfuse.keys.publicKey);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain('***');
  });

  it('no keys: a usage error; a down endpoint: exit 1 naming it', async () => {
    const noKeys = await lazytrace(['fetch', traceIds[0]!, '--from', 'langfuse']);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toContain('LANGFUSE_PUBLIC_KEY');

    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const down = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await lazytrace(['fetch', traceIds[0]!, '--from', 'langfuse', '--wait', '0'], {
      env: env({ LANGFUSE_BASE_URL: down }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`cannot reach Langfuse at ${down}: .*ECONNREFUSED`));
  });
});

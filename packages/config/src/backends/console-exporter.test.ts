import { fn, parallel, pipeline } from '@lazytrace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { initTracing, shutdownTracing, withTrace } from '../index.js';

afterEach(() => shutdownTracing());

describe('console backend', () => {
  it('prints one indented tree per finished request, plain text when not a TTY', async () => {
    let out = '';
    initTracing({ backends: ['console'], console: { stream: { write: (t: string) => (out += t) } } });
    const flow = pipeline(
      {
        search: parallel({
          dense: fn(async () => ['d1'], { kind: 'retriever' }),
          sparse: fn(() => ['s1'], { kind: 'retriever' }),
        }),
        llm: fn(
          (docs: { dense: string[] }, ctx) => {
            ctx.setModel('fake-model');
            ctx.setUsage({ inputTokens: 12, outputTokens: 3 });
            return `answer from ${docs.dense[0]}`;
          },
          { kind: 'llm' },
        ),
        fail: fn(
          () => {
            throw new Error('tool exploded');
          },
          { kind: 'tool' },
        ),
      },
      { name: 'request' },
    );
    await withTrace({ sessionId: 's-1', userId: 'u-1', tags: ['t'] }, () =>
      flow.invoke('question').catch(() => undefined),
    );
    await shutdownTracing();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that no ANSI escape is present
    expect(out).not.toMatch(/\u001b\[/);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^── trace [0-9a-f]{32} {2}session=s-1 {2}user=u-1 {2}tags=t$/);
    expect(lines[1]).toMatch(/^request {2}flow {2}[\d.]+(µs|ms) {2}✗ tool exploded/);
    expect(lines[2]).toMatch(/^├─ search {2}flow /);
    // The two branches start in the same instant; either may be listed first.
    expect(lines[3]).toMatch(/^│ {2}├─ (dense|sparse) {2}retriever .*1 docs/);
    expect(lines[4]).toMatch(/^│ {2}└─ (dense|sparse) {2}retriever .*1 docs/);
    expect(lines[3]!.includes('dense') !== lines[4]!.includes('dense')).toBe(true);
    expect(lines[5]).toMatch(/^├─ llm {2}llm .*✓ {2}fake-model {2}tokens 12→3 .*in: \{"dense":\["d1"\]/);
    expect(lines[6]).toMatch(/^└─ fail {2}tool .*✗ tool exploded/);
    expect(lines).toHaveLength(7);
  });
});

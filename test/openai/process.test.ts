import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('in a process of its own', () => {
  it('a failed request nobody awaits leaves the same unhandled rejection as without lazytrace', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fixture('unhandled.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      unwrapped: ['InternalServerError'],
      wrappedUnawaited: ['InternalServerError'],
      wrappedHandled: [],
    });
  });

  it('without an OTel context manager (no span is ever active) calls are still recorded in full', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fixture('no-context-manager.ts')], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const recorded = { model: 'gpt-4o-mini', outputTokens: 5, hasOutput: true };
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      spans: [recorded, recorded],
      usageAskedFor: true,
      callerSawUsage: false,
    });
  });

  it('the built package loads as ESM and as CommonJS (pnpm test builds first)', () => {
    expect(existsSync(`${root}/packages/openai/dist/index.js`)).toBe(true);
    const cjs = execFileSync(process.execPath, [fixture('dist.cjs')], {
      cwd: `${root}/packages/openai`,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(cjs)).toEqual({ wrapped: true, unwrapped: true });
    const esm = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { wrapOpenAI, isWrappedOpenAI } from '@lazytrace/openai'; import OpenAI from 'openai';
         const c = wrapOpenAI(new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' }));
         console.log(JSON.stringify({ wrapped: isWrappedOpenAI(c), sameResource: c.chat.completions === c.chat.completions }));`,
      ],
      { cwd: `${root}/packages/openai`, encoding: 'utf8', timeout: 30_000 },
    );
    expect(JSON.parse(esm)).toEqual({ wrapped: true, sameResource: true });
  });
});

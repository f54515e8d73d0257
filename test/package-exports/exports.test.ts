import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const coreDist = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));

/** Runs a script with plain Node in the core package directory, so resolution goes through the exports map. */
function node(args: string[], script: string): string {
  return execFileSync(process.execPath, [...args, script], {
    cwd: `${root}/packages/core`,
    encoding: 'utf8',
  });
}

describe('built @lazytrace/core', () => {
  it('has been built (pnpm test builds first)', () => {
    expect(existsSync(coreDist)).toBe(true);
  });

  const program = `
    const { pipeline, fn, Module, HookPhaseError, VERSION } = lazytrace;
    const p = pipeline({ a: fn((x) => x + 1), b: fn(async (x) => x * 2) });
    p.invoke(1).then((out) => console.log(JSON.stringify({ out, version: VERSION, hpe: typeof HookPhaseError, mod: typeof Module })));
  `;

  it('loads through the exports map as ESM', () => {
    const out = node(
      ['--input-type=module', '-e'],
      `import * as lazytrace from '@lazytrace/core'; ${program}`,
    );
    expect(JSON.parse(out)).toEqual({ out: 4, version: '0.1.0', hpe: 'function', mod: 'function' });
  });

  it('loads through the exports map as CommonJS', () => {
    const out = node(['-e'], `const lazytrace = require('@lazytrace/core'); ${program}`);
    expect(JSON.parse(out)).toEqual({ out: 4, version: '0.1.0', hpe: 'function', mod: 'function' });
  });

  it('ESM and CJS copies in one process share one hook registry (one span per call, not two)', () => {
    const out = node(
      ['--input-type=module', '-e'],
      `
      import { createRequire } from 'node:module';
      import * as esm from '@lazytrace/core';
      const cjs = createRequire(import.meta.url)('@lazytrace/core');
      let created = 0;
      const { trace } = await import('@opentelemetry/api');
      const provider = { getTracer: () => ({ startSpan: () => { created++; return trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 }); } }) };
      esm.configureTracing({ tracerProvider: provider });
      await cjs.fn((x) => x).invoke(1);
      await esm.fn((x) => x).invoke(1);
      console.log(created);
      `,
    );
    expect(out.trim()).toBe('2');
  });
});

describe('built @lazytrace/config and @lazytrace/langfuse', () => {
  const run = (args: string[], script: string) =>
    execFileSync(process.execPath, [...args, script], { cwd: `${root}/packages/config`, encoding: 'utf8' });
  const program = `
    const names = [typeof config.initTracing, typeof config.setTrace, typeof config.withTrace, typeof config.ConsoleTreeExporter, typeof langfuse.LangfuseExporter, typeof langfuse.score];
    console.log(JSON.stringify(names));
  `;

  it('load as ESM', () => {
    const out = run(
      ['--input-type=module', '-e'],
      `import * as config from '@lazytrace/config'; import * as langfuse from '@lazytrace/langfuse'; ${program}`,
    );
    expect(JSON.parse(out)).toEqual(['function', 'function', 'function', 'function', 'function', 'function']);
  });

  it('load as CommonJS', () => {
    const out = run(
      ['-e'],
      `const config = require('@lazytrace/config'); const langfuse = require('@lazytrace/langfuse'); ${program}`,
    );
    expect(JSON.parse(out)).toEqual(['function', 'function', 'function', 'function', 'function', 'function']);
  });

  it('the request middleware subpath @lazytrace/config/http loads as ESM and as CommonJS', () => {
    const names =
      'console.log([h.traceRequests, h.expressTracing, h.fastifyTracing, h.honoTracing].map((f) => typeof f).join())';
    const esm = run(['--input-type=module', '-e'], `import * as h from '@lazytrace/config/http'; ${names}`);
    const cjs = run(['-e'], `const h = require('@lazytrace/config/http'); ${names}`);
    expect([esm.trim(), cjs.trim()]).toEqual(Array(2).fill('function,function,function,function'));
  });

  it('report the same version as their package.json', async () => {
    const { readFileSync } = await import('node:fs');
    for (const pkg of ['core', 'langfuse']) {
      const version = JSON.parse(readFileSync(`${root}/packages/${pkg}/package.json`, 'utf8')).version;
      const out = execFileSync(
        process.execPath,
        ['-e', `console.log(require('@lazytrace/${pkg}').VERSION)`],
        {
          cwd: `${root}/packages/config`,
          encoding: 'utf8',
        },
      );
      expect(out.trim()).toBe(version);
    }
  });
});

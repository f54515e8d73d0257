import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Plain Node in the config package, which depends on @lazytrace/traces: resolution through the exports map. */
function run(args: string[], script: string): string {
  return execFileSync(process.execPath, [...args, script], {
    cwd: `${root}/packages/config`,
    encoding: 'utf8',
  });
}

const line = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: 'qqqqqqqqqqqqqqqqqqqqqg==',
              spanId: 'u7u7u7u7u7s=',
              name: 'root',
              startTimeUnixNano: 1_000_000,
              endTimeUnixNano: '3000000',
            },
          ],
        },
      ],
    },
  ],
});

const program = `
  const { spans } = traces.readOtlpJson(${JSON.stringify(`${line}\n`)});
  const built = traces.buildTrace(spans);
  console.log(JSON.stringify({ id: built.trace.traceId, ms: built.root.durationMs, tree: traces.renderTraceTree(spans) }));
`;

const expected = {
  id: 'aa'.repeat(16),
  ms: 2,
  tree: `── trace ${'aa'.repeat(16)}\nroot  span  2.0ms  ✓\n`,
};

describe('built @lazytrace/traces', () => {
  it('loads as ESM', () => {
    const out = run(['--input-type=module', '-e'], `import * as traces from '@lazytrace/traces'; ${program}`);
    expect(JSON.parse(out)).toEqual(expected);
  });

  it('loads as CommonJS, and its file reader finds node:fs', async () => {
    const out = run(['-e'], `const traces = require('@lazytrace/traces'); ${program}`);
    expect(JSON.parse(out)).toEqual(expected);
    const file = run(
      ['-e'],
      `const traces = require('@lazytrace/traces'); traces.readOtlpJsonFile(${JSON.stringify(`${root}/package.json`)}).then((r) => console.log(JSON.stringify(r.problems.map((p) => p.kind))));`,
    );
    expect(JSON.parse(file)).toEqual(['unknown-shape']);
  });
});

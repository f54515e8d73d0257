import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const version = (JSON.parse(readFileSync(`${root}/packages/cli/package.json`, 'utf8')) as { version: string })
  .version;

/** Plain Node from the repository root, so '@lazytrace/cli' resolves through its exports map. */
function node(args: string[], script: string): string {
  return execFileSync(process.execPath, [...args, script], { cwd: root, encoding: 'utf8' });
}

describe('built @lazytrace/cli', () => {
  const program = `
    const chunks = [];
    const io = { stdout: { write: (t) => chunks.push(t) }, stderr: { write: (t) => chunks.push(t) }, env: {}, cwd: process.cwd() };
    cli.run(['--version'], io).then((code) => console.log(JSON.stringify({ code, out: chunks.join('').trim(), VERSION: cli.VERSION })));
  `;

  it('loads through the exports map as ESM and as CommonJS; run() resolves to the exit code', () => {
    const esm = node(['--input-type=module', '-e'], `import * as cli from '@lazytrace/cli'; ${program}`);
    expect(JSON.parse(esm)).toEqual({ code: 0, out: version, VERSION: version });
    const cjs = node(['-e'], `const cli = require('@lazytrace/cli'); ${program}`);
    expect(JSON.parse(cjs)).toEqual({ code: 0, out: version, VERSION: version });
  });

  it('the bin is linked: pnpm exec lazytrace (node_modules/.bin/lazytrace)', () => {
    const out = execFileSync(`${root}/node_modules/.bin/lazytrace`, ['--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(version);
  });
});

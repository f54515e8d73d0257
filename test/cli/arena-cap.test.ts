import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnLazytrace, tempDir } from './support.js';

/** The direct children of a process (every thread's list: libuv may spawn from any). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text !== '') out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

describe.runIf(process.platform === 'linux' && existsSync('/proc/self/task'))(
  'lazytrace serve caps glibc malloc arenas',
  () => {
    it('re-executes itself with MALLOC_ARENA_MAX=2 when unset; the service is the child, stopped by a signal to the parent', async () => {
      const dir = tempDir();
      const db = join(dir, 'store.duckdb');
      const serve = spawnLazytrace(['serve', '--port', '0', '--db', db, '--json'], { cwd: dir });
      try {
        await serve.waitFor(/\{"url".*\}/, { timeoutMs: 30_000 });
        const parent = serve.child.pid!;
        expect(environ(parent)).not.toContainEqual(expect.stringMatching(/^MALLOC_ARENA_MAX=/));
        const children = childrenOf(parent);
        expect(children).toHaveLength(1);
        expect(environ(children[0]!)).toContain('MALLOC_ARENA_MAX=2');
        // The service that holds the database is the child: sql finds it by that pid.
        const discovery = JSON.parse(readFileSync(`${db}.serve.json`, 'utf8')) as { pid: number };
        expect(discovery.pid).toBe(children[0]);
      } finally {
        // SIGINT to the parent only (not the process group): forwarded, the child stops cleanly.
        expect(await serve.stop()).toBe(0);
      }
      expect(existsSync(`${db}.serve.json`)).toBe(false);
    });

    it('a value the user set is kept, and then nothing is re-executed', async () => {
      const serve = spawnLazytrace(['serve', '--port', '0', '--db', ':memory:', '--json'], {
        env: { MALLOC_ARENA_MAX: '4' },
        cwd: tempDir(),
      });
      try {
        await serve.waitFor(/\{"url".*\}/, { timeoutMs: 30_000 });
        const pid = serve.child.pid!;
        expect(childrenOf(pid)).toEqual([]);
        expect(environ(pid)).toContain('MALLOC_ARENA_MAX=4');
      } finally {
        expect(await serve.stop()).toBe(0);
      }
    });
  },
);

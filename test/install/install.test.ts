/**
 * lazytrace installed as its users install it: every package packed (`pnpm pack`), then, in fresh
 * npm projects on each OpenTelemetry JS line, the README's install line run as written and small
 * ESM and CJS programs exporting through real receivers. Needs the built `dist` (`pnpm test`
 * builds first). Both lines share one npm cache, kept between runs, so a warm run stays quick.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLangfuseContractServer } from '../support/langfuse-contract-server.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PROGRAMS = join(import.meta.dirname, 'programs');
const CACHE = process.env.LAZYTRACE_INSTALL_CACHE ?? join(homedir(), '.cache', 'lazytrace-install-test');
const NPM_CACHE = join(CACHE, 'npm');

/**
 * The application each line stands for, installed before lazytrace. OTel's 3.x line requires
 * Node >= 22.15 (its `engines`); on an older Node, npm would rightly pick the 2.x line, so that
 * line runs on a Node 22 taken from the registry's own `node-<platform>-<arch>` package.
 */
const LINES = {
  '2.x': {
    app: [
      '@opentelemetry/api@1.9.0',
      '@opentelemetry/sdk-node@0.223.0',
      '@opentelemetry/sdk-trace-base@2.12.1',
      '@opentelemetry/sdk-trace-node@2.12.0',
      '@opentelemetry/exporter-trace-otlp-http@0.223.1',
    ],
    api: '1.9.0',
    sdkTrace: /^2\./,
    minNode: [20, 0],
  },
  '3.x': {
    app: [
      '@opentelemetry/api@1.10.0',
      '@opentelemetry/sdk-node@0.301.0',
      '@opentelemetry/sdk-trace@3.1.1',
      '@opentelemetry/exporter-trace-otlp-http@0.301.0',
    ],
    api: '1.10.0',
    sdkTrace: /^3\./,
    minNode: [22, 15],
  },
} as const;
type Line = keyof typeof LINES;
const NODE_22 = '22.23.3';

/** The environment of npm and of the programs: none of pnpm's or vitest's settings leak in. */
function cleanEnv(extra: Record<string, string> = {}, nodeBin?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|NODE_OPTIONS|VITEST|OTEL_|LAZYTRACE_|LANGFUSE_)/i.test(key)) continue;
    env[key] = value;
  }
  if (nodeBin !== undefined) env.PATH = `${nodeBin}:${env.PATH ?? ''}`;
  return {
    ...env,
    npm_config_cache: NPM_CACHE,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    ...extra,
  };
}

async function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run('sh', ['-c', command], { cwd, env, maxBuffer: 16 << 20, timeout: 240_000 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} failed in ${cwd}:\n${e.stderr ?? ''}\n${e.stdout ?? ''}\n${e.message}`);
  }
}

/** The `npm install ./lazytrace-….tgz …` line of a package README (for the packed tarballs). */
function tarballInstallLine(pkg: string): string {
  const text = readFileSync(join(ROOT, 'packages', pkg, 'README.md'), 'utf8');
  const line = text.split('\n').find((l) => /^npm install \.\/lazytrace-/.test(l.trim()));
  if (line === undefined)
    throw new Error(`packages/${pkg}/README.md has no "npm install ./lazytrace-…tgz" line`);
  return line.trim();
}

const packages = readdirSync(join(ROOT, 'packages')).filter((p) =>
  existsSync(join(ROOT, 'packages', p, 'package.json')),
);

let work: string;
let tarballs: Map<string, string>;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
let langfuse: Awaited<ReturnType<typeof startLangfuseContractServer>>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lazytrace-install-'));
  mkdirSync(join(work, 'tgz'));
  // One after the other: pnpm pack runs each package's prepack/prepare, and 2 cores are shared.
  for (const pkg of packages) {
    await sh(`pnpm pack --pack-destination ${join(work, 'tgz')}`, join(ROOT, 'packages', pkg), cleanEnv());
  }
  tarballs = new Map(readdirSync(join(work, 'tgz')).map((f) => [f, join(work, 'tgz', f)]));
  otlp = await startOtlpReceiver();
  langfuse = await startLangfuseContractServer();
}, 120_000);

afterAll(async () => {
  await otlp?.close();
  await langfuse?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
}, 60_000);

/** Reads a packed package.json from its tarball. */
async function packedManifest(file: string): Promise<Record<string, Record<string, string>>> {
  return JSON.parse(await sh(`tar -xzOf ${file} package/package.json`, work, cleanEnv()));
}

describe('packed tarballs', () => {
  it('every package ships its dist, README and the LICENSE, and no workspace: ranges', async () => {
    expect(tarballs.size).toBe(packages.length);
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    for (const [name, file] of tarballs) {
      const listing = (await sh(`tar -tzf ${file}`, work, cleanEnv())).split('\n');
      expect(listing, name).toContain('package/LICENSE');
      expect(listing, name).toContain('package/README.md');
      expect(
        listing.some((f) => f.startsWith('package/dist/')),
        name,
      ).toBe(true);
      const manifest = await packedManifest(file);
      expect(manifest.license as unknown, name).toBe('Apache-2.0');
      expect(JSON.stringify(manifest), name).not.toContain('workspace:');
    }
  });

  it("each README's tarball line names every unpublished @lazytrace package the package needs", async () => {
    const byName = new Map<string, { file: string; deps: string[] }>();
    for (const [file, path] of tarballs) {
      const m = await packedManifest(path);
      const deps = Object.keys({ ...m.dependencies, ...m.peerDependencies }).filter((d) =>
        d.startsWith('@lazytrace/'),
      );
      byName.set(m.name as unknown as string, { file, deps });
    }
    for (const pkg of packages) {
      const name = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')).name;
      const named = tarballInstallLine(pkg)
        .split(/\s+/)
        .filter((w) => w.startsWith('./'))
        .map((w) => w.slice(2));
      for (const file of named) expect(tarballs.has(file), `${pkg} README names ${file}`).toBe(true);
      // The closure: what the package needs, and what those need.
      const needed = new Set<string>([name]);
      for (const n of needed) for (const d of byName.get(n)?.deps ?? []) needed.add(d);
      for (const n of needed) expect(named, `${pkg} README: ${n}`).toContain(byName.get(n)?.file);
    }
  });
});

/** The Node to run a line with: this one when new enough, else the registry's Node 22 package. */
async function nodeFor(line: Line): Promise<string | undefined> {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const [needMajor, needMinor] = LINES[line].minNode;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  const dir = join(CACHE, `node-${NODE_22}`);
  const bin = join(dir, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    mkdirSync(dir, { recursive: true });
    await sh(
      `echo '{"private":true}' > package.json && npm install --prefer-offline --no-save node-${process.platform}-${process.arch}@${NODE_22}`,
      dir,
      cleanEnv(),
    );
  }
  return bin;
}

for (const line of Object.keys(LINES) as Line[]) {
  describe(`an application on the OpenTelemetry JS ${line} line`, () => {
    let app: string;
    let nodeBin: string | undefined;
    const env = (extra: Record<string, string> = {}) => cleanEnv(extra, nodeBin);

    beforeAll(async () => {
      nodeBin = await nodeFor(line);
      app = join(work, `app-${line}`);
      mkdirSync(app);
      await sh(`echo '{"name":"app","version":"1.0.0","private":true}' > package.json`, app, env());
      for (const file of tarballs.values()) copyFileSync(file, join(app, file.split('/').pop()!));
      for (const program of readdirSync(PROGRAMS)) copyFileSync(join(PROGRAMS, program), join(app, program));
      // The application as it was before lazytrace, then lazytrace with plain `npm install`.
      await sh(`npm install --prefer-offline ${LINES[line].app.join(' ')}`, app, env());
      const readme = tarballInstallLine('config');
      expect(readme).not.toMatch(/legacy-peer-deps|--force/);
      const out = await sh(`${readme} --prefer-offline 2>&1`, app, env());
      expect(out).not.toMatch(/ERESOLVE|overriding peer dependency/);
    }, 240_000);

    /** One API of the line's version, its SDK only, and nothing missing or invalid. */
    async function expectOneLine(): Promise<void> {
      const tree = JSON.parse(
        await sh('npm ls --all --json @opentelemetry/api @opentelemetry/sdk-trace', app, env()),
      ) as unknown;
      const found = new Map<string, Set<string>>();
      const walk = (node: { dependencies?: Record<string, { version?: string; invalid?: string }> }) => {
        for (const [name, dep] of Object.entries(node.dependencies ?? {})) {
          expect(dep.invalid, `${name} is invalid`).toBeUndefined();
          if (dep.version !== undefined) found.set(name, (found.get(name) ?? new Set()).add(dep.version));
          walk(dep as never);
        }
      };
      walk(tree as never);
      expect([...(found.get('@opentelemetry/api') ?? [])]).toEqual([LINES[line].api]);
      for (const v of found.get('@opentelemetry/sdk-trace') ?? []) expect(v).toMatch(LINES[line].sdkTrace);
      await sh('npm ls --all', app, env()); // exits non-zero on a missing or invalid dependency
    }

    it('resolves one @opentelemetry/api and the SDK of its own line, no peer left unmet', async () => {
      await expectOneLine();
    });

    it('ESM: initTracing() alone, configured by the environment, exports over OTLP', async () => {
      const service = `install-alone-${line}`;
      const out = await sh(
        'node alone.mjs',
        app,
        env({
          LAZYTRACE_BACKENDS: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_SERVICE_NAME: service,
        }),
      );
      expect(JSON.parse(out)).toEqual({ output: 'answer from 1 doc(s)', provider: 'global' });
      await otlp.waitFor(otlp.spans.filter((s) => s.resource['service.name'] !== service).length + 3);
      const spans = otlp.spans.filter((s) => s.resource['service.name'] === service);
      expect(spans.map((s) => s.name).sort()).toEqual(['Pipeline', 'generate', 'retrieve'].sort());
    });

    it("CJS: beside the app's own NodeSDK, lazytrace runs isolated and nests under the app's span", async () => {
      const before = otlp.spans.length;
      const out = await sh('node beside.cjs', app, env({ OTLP_TRACES_URL: otlp.tracesUrl }));
      expect(JSON.parse(out)).toEqual({ output: 'answer 1', provider: 'isolated' });
      await otlp.waitFor(before + 4);
      const spans = otlp.spans.slice(before);
      const request = spans.find((s) => s.name === 'GET /ask');
      expect(request?.resource['service.name']).toBe('install-app');
      const ours = spans.filter((s) => s.resource['service.name'] === 'install-lazytrace');
      expect(ours).toHaveLength(3);
      const root = ours.find((s) => s.parentSpanId === request?.spanId);
      expect(root, 'a lazytrace root under the app span').toBeDefined();
      for (const span of ours) expect(span.traceId).toBe(request?.traceId);
    });

    it("TypeScript (strict, nodenext): the declarations fit the app's own SDK types", async () => {
      await sh('npm install --prefer-offline --no-save typescript@5.9.3 @types/node@20.19.43', app, env());
      await sh(
        'npx tsc --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext --skipLibCheck typed.mts',
        app,
        env(),
      );
    }, 120_000);

    it("ESM: the Langfuse exporter works inside the app's NodeSDK", async () => {
      const before = langfuse.accepted.length;
      const out = await sh(
        'node langfuse.mjs',
        app,
        env({
          LANGFUSE_PUBLIC_KEY: langfuse.keys.publicKey,
          LANGFUSE_SECRET_KEY: langfuse.keys.secretKey,
          LANGFUSE_BASE_URL: langfuse.baseUrl,
        }),
      );
      expect(JSON.parse(out)).toEqual({ output: 'answer 1' });
      const spans = (await langfuse.waitForSpans(before + 3)).slice(before);
      expect(spans.map((s) => s.name).sort()).toEqual(['Pipeline', 'generate', 'retrieve']);
      const generation = spans.find((s) => s.name === 'generate');
      expect(generation?.attributes['langfuse.observation.type']).toBe('generation');
      expect(generation?.resource['service.name']).toBe('install-langfuse');
    });

    it('CJS: the langfuse backend by name loads its optional peer; without it, a clear error', async () => {
      const lf = {
        LAZYTRACE_BACKENDS: 'langfuse',
        LANGFUSE_PUBLIC_KEY: langfuse.keys.publicKey,
        LANGFUSE_SECRET_KEY: langfuse.keys.secretKey,
        LANGFUSE_BASE_URL: langfuse.baseUrl,
      };
      const before = langfuse.accepted.length;
      const out = await sh('node langfuse-by-name.cjs', app, env(lf));
      expect(JSON.parse(out)).toEqual({ output: 'answer 1', backends: ['langfuse'] });
      const spans = (await langfuse.waitForSpans(before + 1)).slice(before);
      expect(spans.map((s) => s.name)).toEqual(['generate']);
      // The same application without @lazytrace/langfuse (an optional peer: nothing else needs it).
      const without = `${app}-without-langfuse`;
      cpSync(app, without, { recursive: true, verbatimSymlinks: true });
      await rm(join(without, 'node_modules', '@lazytrace', 'langfuse'), { recursive: true });
      const failed = JSON.parse(await sh('node langfuse-by-name.cjs', without, env(lf)));
      expect(failed).toEqual({
        error:
          'backend "langfuse" needs the package @lazytrace/langfuse, which is not installed: run `npm install @lazytrace/langfuse`',
        described: null,
      });
    });

    // Last: it adds the CLI to the application the other tests ran in.
    it('the CLI installs beside the app on its line (one API, no private SDK) and shows and replays a recording', async () => {
      const out = await sh(`${tarballInstallLine('cli')} --prefer-offline 2>&1`, app, env());
      expect(out).not.toMatch(/ERESOLVE|overriding peer dependency/);
      await expectOneLine();
      // The CLI's OpenTelemetry packages are the application's (deduplicated), not a nested copy.
      const nested = await sh(
        'ls node_modules/@lazytrace/cli/node_modules/@opentelemetry 2>/dev/null || true',
        app,
        env(),
      );
      expect(nested.trim()).toBe('');
      expect(await sh('npx --no-install lazytrace --help', app, env())).toMatch(/\bshow\b/);

      const service = `install-cli-${line}`;
      const file = join(app, 'recorded.jsonl');
      await sh(
        'node alone.mjs',
        app,
        env({ LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file, OTEL_SERVICE_NAME: service }),
      );
      const tree = await sh(`npx --no-install lazytrace show ${file}`, app, env({ NO_COLOR: '1' }));
      expect(tree).toMatch(/Pipeline[\s\S]*retrieve[\s\S]*generate/);

      // Replay goes through the CLI's OTLP serializer and through @lazytrace/langfuse: both the line's.
      await sh(`npx --no-install lazytrace replay ${file} --to otlp --endpoint ${otlp.url}`, app, env());
      await otlp.waitFor(otlp.spans.filter((s) => s.resource['service.name'] !== service).length + 3);
      expect(otlp.spans.filter((s) => s.resource['service.name'] === service)).toHaveLength(3);
      const before = langfuse.accepted.length;
      await sh(
        `npx --no-install lazytrace replay ${file} --to langfuse`,
        app,
        env({
          LANGFUSE_PUBLIC_KEY: langfuse.keys.publicKey,
          LANGFUSE_SECRET_KEY: langfuse.keys.secretKey,
          LANGFUSE_BASE_URL: langfuse.baseUrl,
        }),
      );
      const spans = (await langfuse.waitForSpans(before + 3)).slice(before);
      expect(spans.map((s) => s.name).sort()).toEqual(['Pipeline', 'generate', 'retrieve']);
    }, 240_000);
  });
}

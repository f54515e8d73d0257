/**
 * `lazytrace` on a big trace file, as a user runs it: the built bin in a child process, wall time
 * from spawn to exit (Node's start-up included), and CPU time of the same command run in-process.
 * Figures only, nothing asserted (the latest run is quoted in packages/cli/README.md).
 *
 *   pnpm --filter @lazytrace/cli build && node --import tsx bench/cli.ts [spans]   (default 100000)
 *
 * The file is made of real recordings: the test app (test/cli/fixtures/record-app.mjs, real SDK,
 * file backend) records a few requests, which are copied with fresh ids and shifted times until
 * the file holds the asked number of spans, 64 spans per line (a batch processor's export).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as runInProcess } from '../packages/cli/src/index.js';
import { readOtlpJson, type SpanRecord, toOtlpJsonLines } from '../packages/traces/src/index.js';

const SPANS = Number(process.argv[2] ?? 100_000);
const ROUNDS = 5;
const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const APP = fileURLToPath(new URL('../test/cli/fixtures/record-app.mjs', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'lazytrace-bench-cli-'));
const sampleFile = join(dir, 'sample.jsonl');
execFileSync(process.execPath, [APP], {
  env: {
    PATH: process.env.PATH,
    LAZYTRACE_BACKENDS: 'file',
    LAZYTRACE_FILE: sampleFile,
    REQUESTS: '20',
    FAIL_EVERY: '7',
  },
});
const sample = readOtlpJson(readFileSync(sampleFile, 'utf8')).spans;

/** Copies of the sample with fresh ids, each a little later, until `SPANS` spans. */
function bigFile(path: string): { traces: number; middleTrace: string } {
  const lines: string[] = [];
  let batch: SpanRecord[] = [];
  let total = 0;
  let copy = 0;
  const traceIds = new Set<string>();
  while (total < SPANS) {
    const ids = new Map<string, string>();
    const fresh = (id: string) => {
      let next = ids.get(id);
      if (next === undefined) {
        next = randomBytes(id.length / 2).toString('hex');
        ids.set(id, next);
      }
      return next;
    };
    const shiftNs = BigInt(copy) * 50_000_000n;
    for (const s of sample) {
      if (total >= SPANS) break;
      const shifted: SpanRecord = {
        ...s,
        traceId: fresh(s.traceId),
        spanId: fresh(s.spanId),
        ...(s.parentSpanId ? { parentSpanId: fresh(s.parentSpanId) } : {}),
        startTimeUnixNano: String(BigInt(s.startTimeUnixNano) + shiftNs),
        endTimeUnixNano: String(BigInt(s.endTimeUnixNano) + shiftNs),
      };
      traceIds.add(shifted.traceId);
      batch.push(shifted);
      total++;
      if (batch.length === 64) {
        lines.push(toOtlpJsonLines(batch));
        batch = [];
      }
    }
    copy++;
  }
  if (batch.length > 0) lines.push(toOtlpJsonLines(batch));
  writeFileSync(path, lines.join(''));
  const all = [...traceIds];
  return { traces: all.length, middleTrace: all[Math.floor(all.length / 2)]! };
}

function run(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH }, maxBuffer: 256 << 20 },
      (error) => {
        if (error) reject(error);
        else resolve(Number(process.hrtime.bigint() - started) / 1e6);
      },
    );
  });
}

/**
 * The same command through `run()` in this process: CPU time (user + system) of the command alone,
 * without Node's start-up, and much less sensitive to other load on the machine than wall time.
 */
async function cpuInProcess(args: string[]): Promise<number> {
  const sink = { write: () => true };
  const before = process.cpuUsage();
  const code = await runInProcess(args, { stdout: sink, stderr: sink, env: {}, cwd: dir });
  const used = process.cpuUsage(before);
  if (code !== 0) throw new Error(`lazytrace ${args.join(' ')} exited ${code}`);
  return (used.user + used.system) / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function figure(label: string, args: string[]) {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await run(args));
  const cpu: number[] = [];
  for (let i = 0; i < ROUNDS; i++) cpu.push(await cpuInProcess(args));
  const wall = median(times);
  console.log(
    `${label.padEnd(26)} wall (bin) median ${wall.toFixed(0).padStart(5)} ms, min ${Math.min(...times)
      .toFixed(0)
      .padStart(5)}   CPU (in-process) median ${median(cpu).toFixed(0).padStart(5)} ms`,
  );
}

const file = join(dir, 'big.jsonl');
const { traces, middleTrace } = bigFile(file);
const bytes = statSync(file).size;
console.log(
  `${SPANS} spans in ${traces} traces, ${(bytes / 1e6).toFixed(1)} MB (${cpus()[0]?.model ?? '?'}, Node ${process.version})`,
);
const commands: [string, string[]][] = [
  ['--version (start-up)', ['--version']],
  ['stats', ['stats', file]],
  ['stats --by kind', ['stats', file, '--by', 'kind']],
  ['show --trace (one trace)', ['show', file, '--trace', middleTrace]],
  ['show (latest 10 traces)', ['show', file]],
  ['analyze', ['analyze', file]],
  ['replay --dry-run', ['replay', file, '--to', 'otlp', '--dry-run']],
  ['cleanup --dry-run', ['cleanup', file, '--older-than', '3650d', '--dry-run']],
];
for (const [label, args] of commands) await figure(label, args);
rmSync(dir, { recursive: true, force: true });

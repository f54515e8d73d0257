import { cpus } from 'node:os';

export interface Scenario {
  readonly group: string;
  readonly name: string;
  /** Name of the scenario in the same group this one is compared with (none for a baseline). */
  readonly baseline?: string;
  /** Operations per sample: fast operations are run in a loop so timer overhead does not dominate. */
  readonly opsPerSample: number;
  readonly run: () => Promise<void> | void;
  /** Puts the process in the state the scenario measures (tracing off, a provider removed …). */
  readonly setup?: () => void;
  readonly teardown?: () => void;
}

export interface Measured {
  readonly group: string;
  readonly name: string;
  /** Median over the rounds of the CPU time (user + system) of this process per operation. */
  readonly nsPerOp: number;
  /** The same in wall-clock time, for reference (what other processes do on the machine counts here). */
  readonly wallNsPerOp?: number;
  /** Median relative margin of error of a round, in percent. */
  readonly rme: number;
  readonly samples: number;
  readonly baseline?: string;
  /** Median over the rounds of this scenario's time divided by its baseline's in the same round. */
  readonly ratio?: number;
  /** The same ratio in wall-clock time. */
  readonly wallRatio?: number;
}

interface RoundResult {
  nsPerOp: number;
  wallNsPerOp: number;
  rme: number;
  samples: number;
}

/**
 * Runs every scenario in one process, in several rounds (all scenarios once per round), and
 * relates each to its baseline within the same round. Time is the process's CPU time
 * (`process.cpuUsage`, user + system): the machine is shared with other work, which stretches
 * wall-clock time by tens of percent while it runs but does not bill this process's CPU. A ratio
 * taken inside one round cancels most of what drift is left. The figures reported are medians
 * over the rounds.
 */
export async function measure(
  scenarios: readonly Scenario[],
  timeMs: number,
  rounds = 5,
): Promise<Measured[]> {
  const perRound: Map<string, RoundResult>[] = [];
  for (let round = 0; round < rounds; round++) {
    const results = new Map<string, RoundResult>();
    for (const s of scenarios) {
      s.setup?.();
      try {
        const warmupMs = round === 0 ? Math.min(200, timeMs / 2) : 20;
        await runFor(s, warmupMs);
        results.set(`${s.group}/${s.name}`, await sample(s, timeMs / rounds));
      } finally {
        s.teardown?.();
      }
    }
    perRound.push(results);
  }
  return scenarios.map((s) => {
    const key = `${s.group}/${s.name}`;
    const rows = perRound.map((r) => r.get(key)!);
    const measured: Measured = {
      group: s.group,
      name: s.name,
      nsPerOp: median(rows.map((r) => r.nsPerOp)),
      wallNsPerOp: median(rows.map((r) => r.wallNsPerOp)),
      rme: median(rows.map((r) => r.rme)),
      samples: rows.reduce((n, r) => n + r.samples, 0),
      baseline: s.baseline,
    };
    if (s.baseline === undefined) return measured;
    const baseKey = `${s.group}/${s.baseline}`;
    if (perRound[0]!.get(baseKey) === undefined)
      throw new Error(`scenario ${key}: no baseline ${s.baseline}`);
    return {
      ...measured,
      ratio: median(perRound.map((r) => r.get(key)!.nsPerOp / r.get(baseKey)!.nsPerOp)),
      wallRatio: median(perRound.map((r) => r.get(key)!.wallNsPerOp / r.get(baseKey)!.wallNsPerOp)),
    };
  });
}

async function runFor(s: Scenario, ms: number): Promise<void> {
  const end = performance.now() + ms;
  do await s.run();
  while (performance.now() < end);
}

/** Samples of one `run()` each for about `ms` of wall time (at least 5): CPU time per operation. */
async function sample(s: Scenario, ms: number): Promise<RoundResult> {
  const cpu: number[] = [];
  let wall = 0;
  const end = performance.now() + ms;
  while (cpu.length < 5 || performance.now() < end) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await s.run();
    wall += performance.now() - w0;
    const c = process.cpuUsage(c0);
    cpu.push(((c.user + c.system) * 1e3) / s.opsPerSample);
  }
  const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
  const sd = Math.sqrt(cpu.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, cpu.length - 1));
  // 95% margin of error of the mean, relative (as tinybench reported it).
  const rme = mean === 0 ? 0 : ((1.96 * sd) / Math.sqrt(cpu.length) / mean) * 100;
  return {
    nsPerOp: mean,
    wallNsPerOp: (wall * 1e6) / (cpu.length * s.opsPerSample),
    rme,
    samples: cpu.length,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function machine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    platform: process.platform,
  };
}

export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function table(rows: readonly Measured[]): string {
  const lines = [
    ['group', 'scenario', 'CPU per op', '±%', 'vs', 'ratio', 'wall ratio'],
    ...rows.map((r) => [
      r.group,
      r.name,
      formatNs(r.nsPerOp),
      r.rme.toFixed(1),
      r.baseline ?? '',
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
      r.wallRatio === undefined ? '' : `${r.wallRatio.toFixed(2)}×`,
    ]),
  ];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) => l.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

import { cpus } from 'node:os';
import { Bench } from 'tinybench';

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
  /** Median over the rounds. */
  readonly nsPerOp: number;
  /** Median relative margin of error of a round, in percent. */
  readonly rme: number;
  readonly samples: number;
  readonly baseline?: string;
  /** Median over the rounds of this scenario's time divided by its baseline's in the same round. */
  readonly ratio?: number;
}

/**
 * Runs every scenario in one process, in several rounds (all scenarios once per round), and
 * relates each to its baseline within the same round: machines shared with other work drift by
 * tens of percent over a minute, and a ratio taken inside one round cancels most of that. The
 * figures reported are medians over the rounds.
 */
export async function measure(
  scenarios: readonly Scenario[],
  timeMs: number,
  rounds = 5,
): Promise<Measured[]> {
  const perRound: Map<string, { nsPerOp: number; rme: number; samples: number }>[] = [];
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: timeMs / rounds,
      warmupTime: round === 0 ? Math.min(200, timeMs / 2) : 20,
    });
    for (const s of scenarios) {
      bench.add(`${s.group}/${s.name}`, s.run, { beforeAll: s.setup, afterAll: s.teardown });
    }
    await bench.run();
    const results = new Map<string, { nsPerOp: number; rme: number; samples: number }>();
    for (const s of scenarios) {
      const key = `${s.group}/${s.name}`;
      const result = bench.getTask(key)?.result as
        | { latency?: { mean: number; rme: number; samplesCount?: number } }
        | undefined;
      if (result?.latency === undefined)
        throw new Error(`scenario ${key} did not complete: ${JSON.stringify(result)}`);
      results.set(key, {
        nsPerOp: (result.latency.mean * 1e6) / s.opsPerSample,
        rme: result.latency.rme,
        samples: result.latency.samplesCount ?? 0,
      });
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
      rme: median(rows.map((r) => r.rme)),
      samples: rows.reduce((n, r) => n + r.samples, 0),
      baseline: s.baseline,
    };
    if (s.baseline === undefined) return measured;
    const baseKey = `${s.group}/${s.baseline}`;
    return { ...measured, ratio: median(perRound.map((r) => r.get(key)!.nsPerOp / r.get(baseKey)!.nsPerOp)) };
  });
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
    ['group', 'scenario', 'per op', '±%', 'vs', 'ratio'],
    ...rows.map((r) => [
      r.group,
      r.name,
      formatNs(r.nsPerOp),
      r.rme.toFixed(1),
      r.baseline ?? '',
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    ]),
  ];
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) => l.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

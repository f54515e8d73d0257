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
  readonly nsPerOp: number;
  readonly rme: number;
  readonly samples: number;
  readonly baseline?: string;
  readonly ratio?: number;
}

/** Runs every scenario in one process, one after the other, and relates each to its baseline. */
export async function measure(scenarios: readonly Scenario[], timeMs: number): Promise<Measured[]> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 2) });
  for (const s of scenarios) {
    bench.add(`${s.group}/${s.name}`, s.run, { beforeAll: s.setup, afterAll: s.teardown });
  }
  await bench.run();
  const byKey = new Map<string, Measured>();
  const out: Measured[] = [];
  for (const s of scenarios) {
    const task = bench.getTask(`${s.group}/${s.name}`);
    const result = task?.result as
      | { latency?: { mean: number; rme: number; samplesCount?: number }; state?: string }
      | undefined;
    if (result?.latency === undefined)
      throw new Error(`scenario ${s.group}/${s.name} did not complete: ${JSON.stringify(result)}`);
    const nsPerOp = (result.latency.mean * 1e6) / s.opsPerSample;
    const m: Measured = {
      group: s.group,
      name: s.name,
      nsPerOp,
      rme: result.latency.rme,
      samples: result.latency.samplesCount ?? 0,
      baseline: s.baseline,
    };
    byKey.set(`${s.group}/${s.name}`, m);
    out.push(m);
  }
  return out.map((m) => {
    if (m.baseline === undefined) return m;
    const base = byKey.get(`${m.group}/${m.baseline}`);
    return base === undefined ? m : { ...m, ratio: m.nsPerOp / base.nsPerOp };
  });
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

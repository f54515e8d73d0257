/**
 * A child whose tracing backend misbehaves at the end of its life. Environment:
 * MODE=shutdown|natural, BACKEND=otlp|blackhole (an exporter that never calls back), SPANS=n.
 * Prints {"mark":true} when its work is done, and its final counts as the process exits.
 */
import { getTracingStats, initTracing, shutdownTracing } from '@lazytrace/config';
import { fn, setLogger } from '@lazytrace/core';

const warnings: string[] = [];
setLogger({ warn: (m) => warnings.push(m) });

const blackhole = {
  name: 'blackhole',
  exporter: {
    export() {
      // never calls back
    },
    shutdown: async () => {},
  },
};
initTracing({
  serviceName: 'deadline-child',
  ...(process.env.BACKEND === 'blackhole' ? { backends: [blackhole] } : {}),
});
const step = fn(async (x: number) => x + 1, { name: 'step' });
const spans = Number(process.env.SPANS ?? '10');
for (let i = 0; i < spans; i++) await step.invoke(i);

process.on('exit', () => {
  console.log(JSON.stringify({ final: true, stats: getTracingStats(), warnings }));
});
console.log('{"mark":true}');
if (process.env.MODE === 'shutdown') {
  const started = Date.now();
  await shutdownTracing();
  console.log(JSON.stringify({ shutdownMs: Date.now() - started }));
}

/**
 * `pnpm bench`: lazytrace's overhead side by side with raw OpenTelemetry and the peer libraries,
 * all on the same tracer provider in one process. Prints a table, writes bench/results.json.
 * Figures are per operation; ratios compare with a baseline measured in the same run.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { traceChain, withSpan } from '@arizeai/openinference-core';
import { observe, setLangfuseTracerProvider, startActiveObservation } from '@langfuse/tracing';
import {
  captureContent,
  configureTracing,
  fn,
  pipeline,
  runWithTraceContext,
  setTraceDefaults,
} from '@lazytrace/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { formatNs, machine, measure, type Scenario, table } from './harness.js';
import { runMemoryScenario } from './memory.js';

const quick = process.argv.includes('--quick');
const TIME_MS = quick ? 300 : 1500;
const OPS = 200;

// One provider for everyone: a batch processor with an exporter that discards.
const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
configureTracing({ tracerProvider: provider });
setLangfuseTracerProvider(provider);
const rawTracer = provider.getTracer('raw');
// Any AsyncLocalStorage in use turns Node's promise hooks on, which makes every promise dearer.
// Every real set-up has one (OTel's context manager, lazytrace's trace context): switch them on
// before measuring, so that every scenario pays the same.
context.with(context.active(), () => undefined);
runWithTraceContext({}, () => undefined);
const oiTracer = provider.getTracer('openinference');

const work = async (x: number) => x + 1;
const module = fn(work, { name: 'step' });
const steps = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, work]));
const tenSteps = pipeline(steps, { name: 'ten' });
const lfObserved = observe(work, { name: 'step', captureInput: false, captureOutput: false });
const oiWrapped = withSpan(work, {
  tracer: oiTracer,
  name: 'step',
  processInput: () => ({}),
  processOutput: () => ({}),
});
const oiChain = traceChain(work, { tracer: oiTracer, name: 'step' });

/** The tracing hook provider, found in core's process-wide registry, so it can be taken out. */
const registry = (globalThis as Record<symbol, Map<string, { providers: unknown[] }>>)[
  Symbol.for('@lazytrace/core/singletons/v1')
]!.get('hooks')!;
let removed: unknown[] = [];
const unregisterTracing = () => {
  removed = registry.providers.splice(0);
};
const reregisterTracing = () => {
  registry.providers.push(...removed);
};

const loop = (op: (i: number) => Promise<unknown>) => async () => {
  for (let i = 0; i < OPS; i++) await op(i);
};
const tracingOff = () => setTraceDefaults({ enabled: false });
const tracingOnNoContent = () => setTraceDefaults({ captureContent: false });
const defaults = () => setTraceDefaults({});

function documents(totalBytes: number) {
  // Text as it arrives from a network or a database: flat strings, one per document.
  const sentence = 'The Moon raises tides in the oceans; spring tides come when Sun and Moon align. ';
  const text = (i: number) =>
    JSON.parse(JSON.stringify(`[${i}] ${sentence.repeat(13)}`.slice(0, 1000))) as string;
  const count = Math.max(1, Math.round(totalBytes / 1024));
  return {
    query: 'tides',
    documents: Array.from({ length: count }, (_, i) => ({ id: `doc-${i}`, text: text(i) })),
  };
}
const input1k = documents(1024);
const input5k = documents(5 * 1024);
const input1m = documents(1024 * 1024);
const input50m = documents(50 * 1024 * 1024);
const string50m = 'x'.repeat(50 * 1024 * 1024);

const CHUNKS = 1000;
async function* chunks() {
  for (let i = 0; i < CHUNKS; i++) yield 'tok ';
}
const streaming = fn(chunks, { name: 'stream' });

const scenarios: Scenario[] = [
  { group: 'invoke', name: 'bare async call', opsPerSample: OPS, run: loop(work) },
  {
    group: 'invoke',
    name: 'invoke, tracing hook not registered',
    baseline: 'bare async call',
    opsPerSample: OPS,
    run: loop((i) => module.invoke(i)),
    setup: unregisterTracing,
    teardown: reregisterTracing,
  },
  {
    group: 'invoke',
    name: 'invoke, tracing off',
    baseline: 'invoke, tracing hook not registered',
    opsPerSample: OPS,
    run: loop((i) => module.invoke(i)),
    setup: tracingOff,
    teardown: defaults,
  },
  {
    group: 'invoke',
    name: 'raw OTel startActiveSpan',
    baseline: 'bare async call',
    opsPerSample: OPS,
    run: loop((i) =>
      rawTracer.startActiveSpan('step', async (span) => {
        try {
          return await work(i);
        } finally {
          span.end();
        }
      }),
    ),
  },
  {
    group: 'invoke',
    name: 'invoke, tracing on (no content)',
    baseline: 'raw OTel startActiveSpan',
    opsPerSample: OPS,
    run: loop((i) => module.invoke(i)),
    setup: tracingOnNoContent,
    teardown: defaults,
  },
  {
    group: 'invoke',
    name: 'invoke, tracing on (content)',
    baseline: 'raw OTel startActiveSpan',
    opsPerSample: OPS,
    run: loop((i) => module.invoke(i)),
  },
  {
    group: 'invoke',
    name: '@langfuse/tracing startActiveObservation',
    baseline: 'invoke, tracing on (no content)',
    opsPerSample: OPS,
    run: loop((i) => startActiveObservation('step', () => work(i))),
    setup: tracingOnNoContent,
    teardown: defaults,
  },
  {
    group: 'invoke',
    name: '@langfuse/tracing observe (no capture)',
    baseline: 'invoke, tracing on (no content)',
    opsPerSample: OPS,
    run: loop((i) => lfObserved(i)),
    setup: tracingOnNoContent,
    teardown: defaults,
  },
  {
    group: 'invoke',
    name: '@arizeai/openinference-core withSpan (no IO)',
    baseline: 'invoke, tracing on (no content)',
    opsPerSample: OPS,
    run: loop((i) => oiWrapped(i)),
    setup: tracingOnNoContent,
    teardown: defaults,
  },
  {
    group: 'invoke',
    name: '@arizeai/openinference-core traceChain (IO)',
    baseline: 'invoke, tracing on (content)',
    opsPerSample: OPS,
    run: loop((i) => oiChain(i)),
  },
  {
    group: 'pipeline',
    name: 'module invoke, tracing on (content)',
    opsPerSample: OPS / 10,
    run: async () => {
      for (let i = 0; i < OPS / 10; i++) await module.invoke(i);
    },
  },
  {
    group: 'pipeline',
    name: '10-step pipeline (11 spans)',
    baseline: 'module invoke, tracing on (content)',
    opsPerSample: OPS / 10,
    run: async () => {
      for (let i = 0; i < OPS / 10; i++) await tenSteps.invoke(i);
    },
  },
  ...captureScenarios(),
  {
    group: 'stream',
    name: `bare stream, ${CHUNKS} chunks`,
    opsPerSample: CHUNKS,
    run: async () => {
      for await (const _ of chunks());
    },
  },
  {
    group: 'stream',
    name: `traced stream, ${CHUNKS} chunks`,
    baseline: `bare stream, ${CHUNKS} chunks`,
    opsPerSample: CHUNKS,
    run: async () => {
      for await (const _ of (await streaming.invoke(null)) as AsyncIterable<string>);
    },
  },
];

/** Capture as users meet it (an invoke with content capture on), and the serializer alone. */
function captureScenarios(): Scenario[] {
  const echo = fn((x: { query: string }) => x.query, { name: 'retrieve' });
  const inputs: [string, unknown][] = [
    ['1 KB', input1k],
    ['5 KB', input5k],
    ['1 MB', input1m],
    ['50 MB', input50m],
    ['50 MB string', string50m],
  ];
  const n = 20;
  return [
    ...inputs.map(
      ([size, value], i): Scenario => ({
        group: 'capture',
        name: `invoke with a ${size} input`,
        baseline: i === 0 ? undefined : 'invoke with a 1 KB input',
        opsPerSample: n,
        run: async () => {
          for (let k = 0; k < n; k++) await echo.invoke(value as { query: string });
        },
      }),
    ),
    ...inputs.map(
      ([size, value], i): Scenario => ({
        group: 'serializer',
        name: `serialize a ${size} input`,
        baseline: i === 0 ? undefined : 'serialize a 1 KB input',
        opsPerSample: n,
        run: repeat(n, () => captureContent(value, 'retrieve', 'input')),
      }),
    ),
  ];
}

function repeat(n: number, op: () => unknown) {
  return () => {
    for (let i = 0; i < n; i++) op();
  };
}

const started = Date.now();
const results = await measure(scenarios, TIME_MS);
const get = (group: string, name: string) => results.find((r) => r.group === group && r.name === name)!;
const streamBare = get('stream', `bare stream, ${CHUNKS} chunks`);
const streamTraced = get('stream', `traced stream, ${CHUNKS} chunks`);
const peers = results.filter((r) => r.group === 'invoke' && r.name.startsWith('@'));

const targets = [
  target(
    'invoke with tracing off ≤ 1.1× invoke with the tracing hook not registered',
    get('invoke', 'invoke, tracing off').ratio!,
    1.1,
  ),
  target(
    'tracing on (no content) ≤ 1.5× raw OTel',
    get('invoke', 'invoke, tracing on (no content)').ratio!,
    1.5,
  ),
  // A peer's ratio is its time over lazytrace's on the same work: lazytrace is faster when the inverse is below 1.
  ...peers.map((p) => target(`faster than ${p.name} (lazytrace/peer)`, 1 / p.ratio!, 1)),
  target('1 MB capture ≤ 3× 1 KB capture', get('capture', 'invoke with a 1 MB input').ratio!, 3),
  target('50 MB capture ≤ 5× 1 KB capture', get('capture', 'invoke with a 50 MB input').ratio!, 5),
  target(
    '50 MB string capture ≤ 5× 1 KB capture',
    get('capture', 'invoke with a 50 MB string input').ratio!,
    5,
  ),
  {
    name: 'streaming adds ≤ 1 µs per chunk',
    actual: `${formatNs(streamBare.nsPerOp * (streamTraced.ratio! - 1))} per chunk`,
    met: streamBare.nsPerOp * (streamTraced.ratio! - 1) <= 1000,
  },
];

function target(name: string, ratio: number, limit: number) {
  return { name, actual: `${ratio.toFixed(2)}×`, met: ratio <= limit };
}

const memory = await runMemoryScenario(quick ? 100_000 : 1_000_000);

console.log(`\nlazytrace bench — ${machine().cpus} × ${machine().cpu}, Node ${process.version}\n`);
console.log(table(results));
console.log('\ntargets');
for (const t of targets) console.log(`  ${t.met ? '✓' : '✗'} ${t.name}: ${t.actual}`);
console.log(
  `\nmemory: ${memory.calls.toLocaleString('en-US')} traced calls with the backend unreachable: heap ${memory.heapStartMb.toFixed(1)} MB → ${memory.heapEndMb.toFixed(1)} MB after GC (Δ ${memory.heapDeltaMb.toFixed(1)} MB, limit 64), ${memory.ended.toLocaleString('en-US')} spans ended, ${memory.exported} exported, ${memory.dropped.toLocaleString('en-US')} dropped and counted (the rest were still waiting at the shutdown deadline), ${memory.warnings} warning line(s): ${memory.warningKinds.join('; ')}`,
);

const out = {
  date: new Date().toISOString(),
  machine: machine(),
  durationSeconds: Math.round((Date.now() - started) / 1000),
  quick,
  scenarios: results,
  targets,
  memory,
};
const file = fileURLToPath(new URL(quick ? './results.quick.json' : './results.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nwritten to ${file} in ${out.durationSeconds} s`);
await provider.shutdown();

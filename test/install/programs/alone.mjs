// initTracing() alone, configured by the environment only (OTEL_EXPORTER_OTLP_ENDPOINT,
// LAZYTRACE_BACKENDS, OTEL_SERVICE_NAME), loaded as ESM from the installed tarballs.
import { describeTracing, initTracing, shutdownTracing } from '@lazytrace/config';
import { fn, pipeline } from '@lazytrace/core';

initTracing();
const answer = pipeline({
  retrieve: fn(async (q) => [`doc about ${q}`]),
  generate: fn((docs) => `answer from ${docs.length} doc(s)`, { kind: 'llm' }),
});
const output = await answer.invoke('tides');
const provider = describeTracing()?.provider;
await shutdownTracing();
console.log(JSON.stringify({ output, provider }));

// An application with its own NodeSDK (its own OTLP exporter, service "install-app"); lazytrace
// beside it on its isolated provider (service "install-lazytrace"), nested under the app's span.
// Loaded as CommonJS. The same code on both lines: NodeSDK's options did not change.
const { trace } = require('@opentelemetry/api');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { describeTracing, initTracing, shutdownTracing } = require('@lazytrace/config');
const { fn, pipeline } = require('@lazytrace/core');

async function main() {
  const traceExporter = new OTLPTraceExporter({ url: process.env.OTLP_TRACES_URL });
  const sdk = new NodeSDK({ serviceName: 'install-app', traceExporter });
  sdk.start();
  initTracing({
    backends: ['otlp'],
    otlp: { url: process.env.OTLP_TRACES_URL },
    serviceName: 'install-lazytrace',
    flushOnExit: false,
  });
  const answer = pipeline({ retrieve: fn((q) => [q]), generate: fn((d) => `answer ${d.length}`) });
  const output = await trace.getTracer('install-app').startActiveSpan('GET /ask', async (span) => {
    try {
      return await answer.invoke('moon');
    } finally {
      span.end();
    }
  });
  const provider = describeTracing()?.provider;
  await shutdownTracing();
  await sdk.shutdown();
  console.log(JSON.stringify({ output, provider }));
}
main();

// @lazytrace/langfuse's exporter in the application's own NodeSDK, with lazytrace's core modules
// traced through the application's global provider (no initTracing). ESM.
import { fn, pipeline } from '@lazytrace/core';
import { LangfuseExporter } from '@lazytrace/langfuse';
import { NodeSDK } from '@opentelemetry/sdk-node';

// As Langfuse's own docs set up their exporter: NodeSDK's traceExporter (batched; shutdown flushes).
const sdk = new NodeSDK({ serviceName: 'install-langfuse', traceExporter: new LangfuseExporter() });
sdk.start();
const answer = pipeline({
  retrieve: fn((q) => [q]),
  generate: fn((d) => `answer ${d.length}`, { kind: 'llm' }),
});
const output = await answer.invoke('sun');
await sdk.shutdown();
console.log(JSON.stringify({ output }));

/**
 * `pnpm demo`: a RAG request traced end to end, with no server. The console backend prints the
 * trace tree, the file backend keeps it as OTLP JSON. With LANGFUSE_* keys or an
 * OTEL_EXPORTER_OTLP_ENDPOINT in the environment, the same trace also goes there.
 */
import {
  defaultBackendNames,
  describeTracing,
  initTracing,
  setTrace,
  shutdownTracing,
} from '@lazytrace/config';
import { buildRag } from './rag.js';

initTracing({
  serviceName: 'rag-demo',
  backends: ['console', ...defaultBackendNames()],
  console: { contentChars: 40 },
});

setTrace({ sessionId: 'demo-session-1', userId: 'demo-user', tags: ['demo', 'rag'] });

const rag = buildRag();
const question = 'What causes the tides, and how far away is the Moon?';
console.log(`Q: ${question}`);
process.stdout.write('A: ');
for await (const token of await rag.invoke(question)) process.stdout.write(token);
process.stdout.write('\n\n');

const { backends } = describeTracing() ?? { backends: [] };
await shutdownTracing();

for (const backend of backends) {
  if (backend.name === 'file')
    console.log(`Trace written to ${String(backend.path)} (one OTLP/JSON request per line).`);
  else if (backend.name !== 'console')
    console.log(`Trace sent to ${backend.name}: ${String(backend.url ?? backend.baseUrl ?? '')}`);
}

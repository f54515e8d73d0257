// The langfuse backend named in configuration (LAZYTRACE_BACKENDS=langfuse): @lazytrace/config
// loads @lazytrace/langfuse, its optional peer, only now. Loaded as CommonJS. Without the package
// installed, initTracing throws a clear error and sets nothing up.
const { describeTracing, initTracing, shutdownTracing } = require('@lazytrace/config');
const { fn } = require('@lazytrace/core');

async function main() {
  try {
    initTracing({ serviceName: 'install-langfuse-by-name', flushOnExit: false });
  } catch (error) {
    console.log(JSON.stringify({ error: error.message, described: describeTracing() ?? null }));
    return;
  }
  const output = await fn((q) => `answer ${q}`, { name: 'generate', kind: 'llm' }).invoke('1');
  const backends = describeTracing()?.backends.map((b) => b.name);
  await shutdownTracing();
  console.log(JSON.stringify({ output, backends }));
}
main();

/**
 * An application that already has its own OpenTelemetry set-up (NodeSDK with its own exporter)
 * and adds lazytrace. lazytrace sees the registered global provider, leaves it alone and runs on
 * an isolated provider: the app's spans keep going to the app's exporter, lazytrace's spans to
 * lazytrace's backends, and lazytrace's spans still nest under the app's active span.
 */

import type { Backend } from '@lazytrace/config';
import { initTracing, type TracingHandle } from '@lazytrace/config';
import { fn, pipeline } from '@lazytrace/core';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface RunningApp {
  readonly sdk: NodeSDK;
  readonly tracing: TracingHandle;
  handleRequest(question: string): Promise<string>;
  stop(): Promise<void>;
}

export function startApp(
  appExporter: SpanExporter,
  lazytraceBackends: readonly (string | Backend)[],
): RunningApp {
  // The application's own OpenTelemetry, as it had it before lazytrace.
  const sdk = new NodeSDK({
    serviceName: 'existing-app',
    spanProcessors: [new SimpleSpanProcessor(appExporter)],
    instrumentations: [],
  });
  sdk.start();

  // Adding lazytrace: one call.
  const tracing = initTracing({ serviceName: 'existing-app-llm', backends: lazytraceBackends });

  const answer = pipeline<string, string>(
    {
      retrieve: fn(async (q: string) => [`doc about ${q}`], { kind: 'retriever' }),
      generate: fn(async (docs: string[]) => `answer from ${docs.length} doc(s)`, { kind: 'llm' }),
    },
    { name: 'answer' },
  );

  const appTracer = trace.getTracer('existing-app');
  return {
    sdk,
    tracing,
    // The app's own request span; lazytrace's spans nest under it.
    handleRequest: (question) =>
      appTracer.startActiveSpan('GET /ask', async (span) => {
        try {
          return await answer.invoke(question);
        } finally {
          span.end();
        }
      }),
    async stop() {
      await tracing.shutdown();
      await sdk.shutdown();
    },
  };
}

// Type-checked (tsc --strict, nodenext) against the installed tarballs' declarations, on each OTel
// line: the Langfuse exporter is a SpanExporter of the application's own SDK; options are typed.
import { describeTracing, type InitTracingOptions, initTracing } from '@lazytrace/config';
import { fn, pipeline } from '@lazytrace/core';
import { LangfuseExporter } from '@lazytrace/langfuse';
import { NodeSDK } from '@opentelemetry/sdk-node';

const sdk = new NodeSDK({
  serviceName: 'typed',
  traceExporter: new LangfuseExporter({ publicKey: 'pk', secretKey: 'sk' }),
});
sdk.start();
const options: InitTracingOptions = { backends: ['otlp'], otlp: { url: 'http://127.0.0.1:4318/v1/traces' } };
// @ts-expect-error a misspelt backend option is a compile error too (and a TypeError at run time)
const misspelt: InitTracingOptions = { otlp: { header: {} } };
initTracing(options);
const answer = pipeline({ retrieve: fn((q: string) => [q]), generate: fn((d: string[]) => d.join()) });
const inherited: string | undefined = describeTracing()?.sampler.inherited;
export const done: Promise<unknown> = answer.invoke('x').then(() => [inherited, misspelt]);

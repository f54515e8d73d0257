import { type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { getTracingSettings } from '../settings.js';
import { VERSION } from '../version.js';

/** Instrumentation scope of every lazytrace span; exporters select lazytrace spans by it. */
export const TRACER_NAME = 'lazytrace';

let cachedProvider: TracerProvider | undefined;
let cachedTracer: Tracer | undefined;

/** The tracer of the configured provider (default: the global one), cached per provider. */
export function getLazytraceTracer(): Tracer {
  const provider = getTracingSettings().tracerProvider ?? trace.getTracerProvider();
  if (provider !== cachedProvider || cachedTracer === undefined) {
    cachedTracer = provider.getTracer(TRACER_NAME, VERSION);
    cachedProvider = provider;
  }
  return cachedTracer;
}

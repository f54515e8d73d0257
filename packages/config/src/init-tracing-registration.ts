import {
  configureTracing,
  getTraceDefaults,
  getTracingSettings,
  logWarning,
  setTraceDefaults,
  type TraceContext,
  type TracingSettings,
} from '@lazytrace/core';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { TracerProvider as SdkTracerProvider } from '@opentelemetry/sdk-trace';
import type { TracingDescription } from './describe.js';
import type { InitTracingSettings } from './init-tracing-settings.js';
import type { InitTracingOptions } from './options.js';
import { hasGlobalTracerProvider, hasWorkingContextManager } from './provider.js';

/** The settings `initTracing` changes, as they were before it: `shutdownTracing()` puts them back. */
interface Previous {
  readonly settings: Pick<TracingSettings, 'maxContentChars' | 'mask' | 'redactKeys' | 'streamIdleTimeoutMs'>;
  readonly defaults: TraceContext;
}

/**
 * What `initTracing` changes process-wide — core's settings and trace defaults, a context manager
 * when none propagates, the global tracer provider when the application has none — and how
 * `shutdownTracing()` puts it back. Applied only once everything was built (nothing here fails on
 * bad input).
 */
export class ProcessRegistration {
  private readonly previous: Previous;
  private registeredGlobal = false;
  private installedContextManager = false;

  constructor() {
    const settings = getTracingSettings();
    this.previous = {
      settings: {
        maxContentChars: settings.maxContentChars,
        mask: settings.mask,
        redactKeys: settings.redactKeys,
        streamIdleTimeoutMs: settings.streamIdleTimeoutMs,
      },
      defaults: getTraceDefaults() as TraceContext,
    };
  }

  /** Applies the settings; with a provider, registers it. Returns how lazytrace's provider runs. */
  apply(
    settings: InitTracingSettings,
    options: InitTracingOptions,
    provider: SdkTracerProvider | undefined,
  ): TracingDescription['provider'] {
    configureTracing({
      maxContentChars: settings.maxContentChars,
      mask: options.mask,
      redactKeys: options.redactKeys,
      streamIdleTimeoutMs: options.streamIdleTimeoutMs,
    });
    setTraceDefaults(settings.defaults);
    if (provider === undefined) return 'none';
    if (!hasWorkingContextManager()) {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      this.installedContextManager = true;
    }
    let mode: TracingDescription['provider'];
    if (hasGlobalTracerProvider()) {
      mode = 'isolated';
      logWarning(
        'an OpenTelemetry tracer provider is already registered; lazytrace runs on its own isolated provider (its spans still nest under your active spans).',
      );
    } else {
      this.registeredGlobal = trace.setGlobalTracerProvider(provider);
      mode = this.registeredGlobal ? 'global' : 'isolated';
    }
    configureTracing({ tracerProvider: provider });
    return mode;
  }

  /** Puts back what `apply` changed. */
  restore(): void {
    configureTracing({
      tracerProvider: null,
      ...this.previous.settings,
      mask: this.previous.settings.mask ?? null,
    });
    setTraceDefaults(this.previous.defaults);
    if (this.registeredGlobal) trace.disable();
    if (this.installedContextManager) context.disable();
  }
}

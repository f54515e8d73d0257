import { configureTracing } from '@lazytrace/core';
import type { BasicTracerProvider, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../support/otel.js';

/** The real OTel SDK of the current test file, with its in-memory exporter (live bindings). */
export let exporter: InMemorySpanExporter;
export let provider: BasicTracerProvider;

/**
 * Call once at the top of a review test file: the real SDK installed for the file; before each
 * test the exporter is emptied and the provider put back (a test may configure another one).
 */
export function useTestTracing(): void {
  beforeAll(() => {
    ({ exporter, provider } = installTestTracing());
  });
  beforeEach(() => {
    exporter.reset();
    configureTracing({ tracerProvider: provider });
  });
  afterAll(() => uninstallTestTracing());
}

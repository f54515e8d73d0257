import { fn } from '@lazytrace/core';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { describeTracing, initTracing, registerBackend, shutdownTracing } from '../index.js';

interface MemoryOptions {
  readonly label?: string;
  readonly capacity?: number;
}

// A third-party backend's options are typed in initTracing's options by augmentation.
declare module './backend.js' {
  interface BackendOptionsByKey {
    readonly memory?: MemoryOptions;
    readonly inMemory?: Readonly<Record<string, unknown>>;
  }
}

const exporter = new InMemorySpanExporter();
const seen: unknown[] = [];
registerBackend(
  'memory',
  ({ options, env }) => {
    seen.push(options);
    return {
      name: 'memory',
      exporter,
      processing: 'simple',
      description: { ...(options as object), variable: env.MEMORY_LABEL },
    };
  },
  {
    knownOptions: ['label', 'capacity'],
    resolveOptions: (given, { env }) => ({
      label: env.MEMORY_LABEL,
      ...(given as MemoryOptions | undefined),
    }),
  },
);

afterEach(async () => {
  await shutdownTracing();
  exporter.reset();
  seen.length = 0;
});

describe('a backend registered by a third party', () => {
  it('gets its options under its own key, with what it reads from the environment', async () => {
    initTracing({
      backends: ['memory'],
      memory: { capacity: 10 },
      env: { MEMORY_LABEL: 'from-env' },
      flushOnExit: false,
    });
    expect(seen).toEqual([{ label: 'from-env', capacity: 10 }]);
    expect(describeTracing()?.backends[0]).toMatchObject({ name: 'memory', label: 'from-env', capacity: 10 });
    await fn((x: number) => x + 1, { name: 'step' }).invoke(1);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['step']);
  });

  it('options given in code win over its environment', () => {
    initTracing({ backends: ['memory'], memory: { label: 'code' }, env: { MEMORY_LABEL: 'env' } });
    expect(seen).toEqual([{ label: 'code' }]);
  });

  it('a misspelt key inside its options is rejected like a misspelt option, and nothing is set up', () => {
    expect(() =>
      initTracing({ backends: ['memory'], memory: { capasity: 1 } as MemoryOptions, env: {} }),
    ).toThrow('initTracing: unknown option "memory.capasity" (known: label, capacity)');
    expect(describeTracing()).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('an options key that is not a registered backend is still an unknown option', () => {
    expect(() => initTracing({ memroy: {} } as never)).toThrow(/unknown option "memroy".*memory/);
  });

  it('declares an options key other than its name', () => {
    const other = new InMemorySpanExporter();
    registerBackend(
      'in-memory',
      ({ options }) => ({ name: 'in-memory', exporter: other, description: { ...(options as object) } }),
      { optionsKey: 'inMemory' },
    );
    initTracing({ backends: ['in-memory'], inMemory: { anything: true }, env: {}, flushOnExit: false });
    expect(describeTracing()?.backends[0]).toMatchObject({ name: 'in-memory', anything: true });
  });

  it('an options key cannot take an initTracing option or another backend’s key', () => {
    expect(() => registerBackend('x', () => ({ name: 'x', exporter }), { optionsKey: 'backends' })).toThrow(
      /"optionsKey" must be an identifier that is not an initTracing option/,
    );
    expect(() => registerBackend('y', () => ({ name: 'y', exporter }), { optionsKey: 'otlp' })).toThrow(
      'registerBackend: options key "otlp" already belongs to backend "otlp"',
    );
  });
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; test/dist/ checks the built packages separately.
    alias: {
      // Before '@lazytrace/core', which would otherwise match the subpath as a prefix.
      '@lazytrace/core/internal': fileURLToPath(new URL('./packages/core/src/internal.ts', import.meta.url)),
      '@lazytrace/core': src('core'),
      // Before '@lazytrace/config', which would otherwise match the subpath as a prefix.
      '@lazytrace/config/http': fileURLToPath(new URL('./packages/config/src/http.ts', import.meta.url)),
      '@lazytrace/config': src('config'),
      '@lazytrace/langfuse': src('langfuse'),
      '@lazytrace/traces': src('traces'),
      '@lazytrace/server': src('server'),
      '@lazytrace/openai': src('openai'),
      '@lazytrace/cli': src('cli'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});

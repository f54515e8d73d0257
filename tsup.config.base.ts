import { defineConfig } from 'tsup';

/** The build every package shares: ESM + CJS + types, for Node 20. Run from the package's folder. */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: '../../tsconfig.build.json',
});

import { defineConfig } from 'tsup';
import base from '../../tsup.config.base.js';

/**
 * The library (ESM + CJS + types) as every package, plus the `lazytrace` bin (`dist/bin.js`,
 * whose shebang esbuild keeps from `src/bin.ts`).
 */
export default defineConfig({
  ...base,
  entry: ['src/index.ts', 'src/bin.ts'],
  dts: { entry: 'src/index.ts' },
});

import { defineConfig } from 'vite';

/**
 * The browser app: ui/ → dist/ (index.html + assets/). Relative asset URLs, so the server can mount
 * it anywhere; one JS chunk and one CSS file, so renderOfflineReport can inline them into a single
 * file. tsup writes the Node entry (dist/index.js, .cjs, .d.ts) next to it afterwards.
 */
export default defineConfig({
  root: 'ui',
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    modulePreload: false,
    reportCompressedSize: true,
  },
});

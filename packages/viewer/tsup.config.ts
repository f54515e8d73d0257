import { defineConfig, type Options } from 'tsup';
import base from '../../tsup.config.base.js';

// dist/ also holds the browser app that `vite build` wrote just before: don't wipe it. shims gives the
// CJS build an import.meta.url, from which the assets folder is found.
export default defineConfig({ ...(base as Options), clean: false, shims: true });

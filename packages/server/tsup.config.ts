import { defineConfig, type Options } from 'tsup';
import base from '../../tsup.config.base.js';

// shims: the CommonJS build gets an `import.meta.url`, which the viewer lookup resolves from.
export default defineConfig({ ...(base as Options), shims: true });

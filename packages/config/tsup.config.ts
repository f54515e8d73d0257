import { defineConfig } from 'tsup';
import base from '../../tsup.config.base.js';

// The main entry and the request middleware subpath (`@lazytrace/config/http`). `shims`: the CJS
// build gets an `import.meta.url` (optional peers are loaded with `createRequire`).
export default defineConfig({ ...(base as object), entry: ['src/index.ts', 'src/http.ts'], shims: true });

import { defineConfig } from 'tsup';
import base from '../../tsup.config.base.js';

// The main entry and the request middleware subpath (`@lazytrace/config/http`).
export default defineConfig({ ...(base as object), entry: ['src/index.ts', 'src/http.ts'] });

import { defineConfig } from 'tsup';
import base from '../../tsup.config.base.js';

// The main entry and the internal subpath (`@lazytrace/core/internal`, for lazytrace's own packages).
export default defineConfig({ ...(base as object), entry: ['src/index.ts', 'src/internal.ts'] });

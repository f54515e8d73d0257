import { LangfuseExporter } from './exporter.js';

// @lazytrace/config loads this package only when the langfuse backend is configured (it is an
// optional peer there). A copy the application already imported publishes itself here, so config
// uses that copy rather than `require` loading the CommonJS build beside it; the first one wins.
const registry = globalThis as Record<symbol, unknown>;
registry[Symbol.for('@lazytrace/langfuse')] ??= { LangfuseExporter };

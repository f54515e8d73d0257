// Public API of @lazytrace/langfuse. Explicit named exports only.
import './publish.js';

export { LangfuseExporter } from './exporter.js';
export { flushScores, type ScoreInput, score, shutdownScores } from './score.js';
export {
  DEFAULT_BASE_URL,
  LangfuseConfigError,
  type LangfuseOptions,
  type LangfuseSettings,
  resolveLangfuseSettings,
} from './settings.js';
export { isLangfuseRelevant, LF as LANGFUSE_ATTRIBUTES, toLangfuseSpan } from './translate.js';
export { VERSION } from './version.js';

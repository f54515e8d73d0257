// Public API of @lazytrace/openai. Explicit named exports only.

export { ResponseFailedError } from './adapter.js';
export * as openaiAttributes from './attributes.js';
export { isWrappedOpenAI, unwrapOpenAI, type WrapOpenAIOptions, wrapOpenAI } from './wrap.js';

import { attributes as A, type CallContext } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';
import { type Adapter, CONTENT, type StreamAccumulator } from '../adapter.js';
import * as O from '../attributes.js';
import { reportModel, reportParameters, reportUsage, toUsage } from '../report.js';
import { requestParameters } from './parameters.js';
import { append, type TextBuffer } from './text-buffer.js';

/** The legacy `completions.create` (text in, text out; streamed too). */
export const completionsAdapter: Adapter = {
  operation: A.GEN_AI_OPERATION_TEXT_COMPLETION,
  apiType: undefined,
  // A suffix (the text after the insertion point) is prompt content too.
  input: (body) => (body.suffix == null ? body.prompt : { prompt: body.prompt, suffix: body.suffix }),
  request(body, ctx, attributes) {
    reportParameters(ctx, requestParameters(body, attributes));
  },
  result(value, ctx, attributes) {
    const completion = value as CompletionLike;
    if (completion === null || typeof completion !== 'object') return value;
    reportHeader(completion, ctx, attributes);
    reportUsage(ctx, toUsage(completion.usage));
    const choices = Array.isArray(completion.choices) ? completion.choices : [];
    const reasons = choices.map((c) => c?.finish_reason).filter((r): r is string => typeof r === 'string');
    if (reasons.length > 0) attributes[O.GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
    const texts = choices.map((c) => c?.text);
    return texts.length === 1 ? texts[0] : texts;
  },
  stream: () => new CompletionsStream(),
};

interface CompletionLike {
  id?: unknown;
  model?: unknown;
  usage?: unknown;
  system_fingerprint?: unknown;
  choices?: Array<{ index?: unknown; text?: unknown; finish_reason?: unknown }>;
}

function reportHeader(completion: CompletionLike, ctx: CallContext, attributes: Attributes): void {
  reportModel(ctx, { response: completion.model as string | undefined });
  if (typeof completion.id === 'string') attributes[O.GEN_AI_RESPONSE_ID] = completion.id;
  if (typeof completion.system_fingerprint === 'string') {
    attributes[O.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = completion.system_fingerprint;
  }
}

/** Text per choice index, the finish reasons, and usage when the caller asked for it. */
class CompletionsStream implements StreamAccumulator {
  private header: CompletionLike | undefined;
  private usage: unknown;
  private readonly texts: TextBuffer[] = [];
  private readonly reasons: (string | undefined)[] = [];

  add(raw: unknown): number {
    const chunk = raw as CompletionLike;
    if (chunk === null || typeof chunk !== 'object') return 0;
    this.header ??= chunk;
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chunk.usage;
    const choices = chunk.choices;
    if (!Array.isArray(choices)) return 0;
    let flags = 0;
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i]!;
      const index = typeof choice.index === 'number' ? choice.index : i;
      if (typeof choice.text === 'string' && choice.text !== '') {
        this.texts[index] = append(this.texts[index], choice.text);
        flags = CONTENT;
      }
      if (typeof choice.finish_reason === 'string') this.reasons[index] = choice.finish_reason;
    }
    return flags;
  }

  finish(ctx: CallContext, attributes: Attributes): unknown {
    if (this.header !== undefined) reportHeader(this.header, ctx, attributes);
    reportUsage(ctx, toUsage(this.usage));
    const reasons = this.reasons.filter((r): r is string => typeof r === 'string');
    if (reasons.length > 0) attributes[O.GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
    const texts = Array.from(this.texts, (t) => t?.toString() ?? '');
    return texts.length === 1 ? texts[0] : texts;
  }
}

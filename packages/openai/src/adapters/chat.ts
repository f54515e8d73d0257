import { attributes as A, type CallContext } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';
import { type Adapter, CONTENT, HIDE, REPLACE, type StreamAccumulator } from '../adapter.js';
import * as O from '../attributes.js';
import { reportModel, reportParameters, reportUsage, toUsage } from '../report.js';
import { requestParameters } from './parameters.js';
import { append, TextBuffer } from './text-buffer.js';

/** `chat.completions.create` (and the helpers built on it: `parse`, `stream()`, `runTools`). */
export const chatAdapter: Adapter = {
  operation: A.GEN_AI_OPERATION_CHAT,
  apiType: 'chat_completions',
  input: (body) =>
    body.tools === undefined ? body.messages : { messages: body.messages, tools: body.tools },
  request(body, ctx, attributes) {
    reportParameters(ctx, requestParameters(body, attributes));
  },
  result(value, ctx, attributes) {
    const completion = value as ChatCompletionLike | null;
    if (completion === null || typeof completion !== 'object') return value;
    reportResponse(ctx, attributes, completion);
    reportUsage(ctx, toUsage(completion.usage));
    const choices = Array.isArray(completion.choices) ? completion.choices : [];
    const reasons: string[] = [];
    for (const choice of choices)
      if (typeof choice?.finish_reason === 'string') reasons.push(choice.finish_reason);
    if (reasons.length > 0) attributes[O.GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
    const messages = choices.map((choice) => choice?.message);
    return messages.length === 1 ? messages[0] : messages;
  },
  stream: (hideUsageChunk) => new ChatStream(hideUsageChunk),
};

interface ChatCompletionLike {
  id?: unknown;
  model?: unknown;
  usage?: unknown;
  system_fingerprint?: unknown;
  service_tier?: unknown;
  choices?: Array<{ index?: unknown; finish_reason?: unknown; message?: unknown; delta?: ChatDelta }>;
}

interface ChatDelta {
  role?: unknown;
  content?: unknown;
  refusal?: unknown;
  reasoning_content?: unknown;
  tool_calls?: Array<{
    index?: unknown;
    id?: unknown;
    type?: unknown;
    function?: { name?: unknown; arguments?: unknown };
  }>;
}

function reportResponse(ctx: CallContext, attributes: Attributes, completion: ChatCompletionLike): void {
  reportModel(ctx, { response: completion.model as string | undefined, provider: undefined });
  if (typeof completion.id === 'string') attributes[O.GEN_AI_RESPONSE_ID] = completion.id;
  if (typeof completion.system_fingerprint === 'string') {
    attributes[O.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = completion.system_fingerprint;
  }
  if (typeof completion.service_tier === 'string')
    attributes[O.OPENAI_RESPONSE_SERVICE_TIER] = completion.service_tier;
}

interface ToolCallState {
  id: string | undefined;
  type: string | undefined;
  name: string;
  arguments: TextBuffer;
}

interface ChoiceState {
  role: string | undefined;
  content: TextBuffer | undefined;
  refusal: TextBuffer | undefined;
  toolCalls: ToolCallState[] | undefined;
  finishReason: string | undefined;
}

/**
 * A chat completion assembled from its chunks: per choice (by `index`) the text, the refusal and
 * the tool calls (by their own `index`: the id and name arrive in the first delta of a call, the
 * arguments in pieces after it), the finish reason; and from the usage chunk, the usage.
 */
class ChatStream implements StreamAccumulator {
  private readonly choices: ChoiceState[] = [];
  private id: unknown;
  private model: unknown;
  private usage: unknown;
  private fingerprint: unknown;
  private serviceTier: unknown;

  /** What `add` passes on instead of the chunk when it returned `REPLACE`. */
  replacement: unknown;
  private usageIsLast: boolean | undefined;

  constructor(private readonly hideUsageChunk: boolean) {}

  add(raw: unknown): number {
    const chunk = raw as ChatCompletionLike;
    if (chunk === null || typeof chunk !== 'object') return 0;
    if (this.id === undefined && chunk.id !== undefined) {
      this.id = chunk.id;
      this.model = chunk.model;
      this.fingerprint = chunk.system_fingerprint;
      this.serviceTier = chunk.service_tier;
    }
    const choices = chunk.choices;
    let flags = 0;
    if (chunk.usage !== undefined && chunk.usage !== null) {
      this.usage = chunk.usage;
      // The usage-only chunk (no choices) exists because lazytrace asked for it.
      if (this.hideUsageChunk) {
        if (Array.isArray(choices) && choices.length === 0) return HIDE;
        // Some compatible servers put the usage on the last content chunk instead: the caller,
        // who did not ask for it, gets the chunk without it.
        flags = this.withoutUsage(chunk);
      }
    } else if (this.hideUsageChunk && chunk.usage === null) {
      // With include_usage every other chunk carries `usage: null`, which the caller, who did not
      // ask for usage, would not have seen.
      flags = this.withoutUsage(chunk);
    }
    if (!Array.isArray(choices)) return flags;
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i]!;
      const index = typeof choice.index === 'number' ? choice.index : i;
      let state = this.choices[index];
      if (state === undefined) {
        state = {
          role: undefined,
          content: undefined,
          refusal: undefined,
          toolCalls: undefined,
          finishReason: undefined,
        };
        this.choices[index] = state;
      }
      const delta = choice.delta;
      if (delta !== null && typeof delta === 'object') {
        if (typeof delta.role === 'string') state.role = delta.role;
        if (typeof delta.content === 'string' && delta.content !== '') {
          state.content = append(state.content, delta.content);
          flags |= CONTENT;
        }
        if (typeof delta.refusal === 'string' && delta.refusal !== '') {
          state.refusal = append(state.refusal, delta.refusal);
          flags |= CONTENT;
        }
        if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') flags |= CONTENT;
        if (Array.isArray(delta.tool_calls)) {
          addToolCalls(state, delta.tool_calls);
          flags |= CONTENT;
        }
      }
      if (typeof choice.finish_reason === 'string') state.finishReason = choice.finish_reason;
    }
    return flags;
  }

  /**
   * The chunk without its `usage` field. OpenAI sends `usage` before a last `obfuscation` field,
   * and deleting a property that is not the object's last one turns it into a slow dictionary
   * object (about 4 µs more per chunk, in the SDK's copy of it and in the caller's code): then a
   * copy without the field is passed on instead. When `usage` is the last field, deleting it is
   * cheap. Chunks of one stream share their shape, so this is decided on the first one.
   */
  private withoutUsage(chunk: ChatCompletionLike): number {
    if (this.usageIsLast === undefined) {
      const keys = Object.keys(chunk);
      this.usageIsLast = keys[keys.length - 1] === 'usage';
    }
    if (this.usageIsLast) {
      delete chunk.usage;
      return 0;
    }
    const { usage: _usage, ...rest } = chunk;
    this.replacement = rest;
    return REPLACE;
  }

  finish(ctx: CallContext, attributes: Attributes): unknown {
    reportResponse(ctx, attributes, {
      id: this.id,
      model: this.model,
      system_fingerprint: this.fingerprint,
      service_tier: this.serviceTier,
    });
    reportUsage(ctx, toUsage(this.usage));
    const reasons: string[] = [];
    const messages: unknown[] = [];
    for (const state of this.choices) {
      if (state === undefined) continue;
      if (state.finishReason !== undefined) reasons.push(state.finishReason);
      const message: Record<string, unknown> = {
        role: state.role ?? 'assistant',
        content: state.content === undefined ? null : state.content.toString(),
      };
      if (state.refusal !== undefined) message.refusal = state.refusal.toString();
      if (state.toolCalls !== undefined) {
        message.tool_calls = state.toolCalls
          .filter((call) => call !== undefined)
          .map((call) => ({
            id: call.id,
            type: call.type ?? 'function',
            function: { name: call.name, arguments: call.arguments.toString() },
          }));
      }
      messages.push(message);
    }
    if (reasons.length > 0) attributes[O.GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
    return messages.length === 1 ? messages[0] : messages;
  }
}

function addToolCalls(state: ChoiceState, deltas: NonNullable<ChatDelta['tool_calls']>): void {
  if (state.toolCalls === undefined) state.toolCalls = [];
  const calls = state.toolCalls;
  for (let i = 0; i < deltas.length; i++) {
    const delta = deltas[i]!;
    const index = typeof delta.index === 'number' ? delta.index : i;
    let call = calls[index];
    if (call === undefined) {
      call = { id: undefined, type: undefined, name: '', arguments: new TextBuffer() };
      calls[index] = call;
    }
    if (typeof delta.id === 'string') call.id = delta.id;
    if (typeof delta.type === 'string') call.type = delta.type;
    const fn = delta.function;
    if (fn !== null && typeof fn === 'object') {
      if (typeof fn.name === 'string' && fn.name !== '') call.name = fn.name;
      if (typeof fn.arguments === 'string') call.arguments.append(fn.arguments);
    }
  }
}

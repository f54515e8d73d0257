import { attributes as A, type CallContext } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';
import {
  type Adapter,
  CONTENT,
  FailedGeneration,
  ResponseFailedError,
  type StreamAccumulator,
} from '../adapter.js';
import * as O from '../attributes.js';
import { reportModel, reportParameters, reportUsage, toUsage } from '../report.js';
import { requestParameters } from './parameters.js';
import { append, TextBuffer } from './text-buffer.js';

/** `responses.create` (and `responses.stream()`, built on it). */
export const responsesAdapter: Adapter = {
  operation: A.GEN_AI_OPERATION_CHAT,
  apiType: 'responses',
  input(body) {
    const input = body.input;
    const messages: unknown[] =
      typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : [];
    if (typeof body.instructions === 'string')
      return [{ role: 'system', content: body.instructions }, ...messages];
    return input === undefined || typeof input === 'string' || Array.isArray(input) ? messages : input;
  },
  request(body, ctx, attributes) {
    reportParameters(ctx, requestParameters(body, attributes));
  },
  result: (value, ctx, attributes) => reportResponse(value as ResponseLike, ctx, attributes),
  stream: () => new ResponsesStream(),
};

interface OutputItem {
  type?: unknown;
  role?: unknown;
  id?: unknown;
  call_id?: unknown;
  name?: unknown;
  arguments?: unknown;
  content?: Array<{ type?: unknown; text?: unknown; refusal?: unknown }>;
}

interface ResponseLike {
  id?: unknown;
  model?: unknown;
  status?: unknown;
  usage?: unknown;
  service_tier?: unknown;
  output?: OutputItem[];
  output_text?: unknown;
  incomplete_details?: { reason?: unknown } | null;
  error?: { code?: unknown; message?: unknown } | null;
}

/** Reports a whole `Response` object (from the call, or the final event of a stream). */
function reportResponse(response: ResponseLike, ctx: CallContext, attributes: Attributes): unknown {
  if (response === null || typeof response !== 'object') return response;
  reportModel(ctx, { response: response.model as string | undefined });
  if (typeof response.id === 'string') attributes[O.GEN_AI_RESPONSE_ID] = response.id;
  if (typeof response.service_tier === 'string')
    attributes[O.OPENAI_RESPONSE_SERVICE_TIER] = response.service_tier;
  reportUsage(ctx, toUsage(response.usage));
  const reason =
    typeof response.incomplete_details?.reason === 'string'
      ? response.incomplete_details.reason
      : response.status;
  if (typeof reason === 'string') attributes[O.GEN_AI_RESPONSE_FINISH_REASONS] = [reason];
  const output = outputMessage(response.output, response.output_text);
  if (response.status === 'failed') {
    const code = typeof response.error?.code === 'string' ? response.error.code : undefined;
    const message = typeof response.error?.message === 'string' ? response.error.message : 'response failed';
    if (code !== undefined) attributes[O.OPENAI_ERROR_CODE] = code;
    return new FailedGeneration(new ResponseFailedError(message, code));
  }
  return output;
}

/** The output items as one assistant message: its text, refusal and function calls. */
function outputMessage(items: OutputItem[] | undefined, outputText: unknown): unknown {
  if (!Array.isArray(items)) return typeof outputText === 'string' ? outputText : undefined;
  let text: string | undefined;
  let refusal: string | undefined;
  const calls: unknown[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object') continue;
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (part?.type === 'output_text' && typeof part.text === 'string') text = (text ?? '') + part.text;
        if (part?.type === 'refusal' && typeof part.refusal === 'string')
          refusal = (refusal ?? '') + part.refusal;
      }
    } else if (item.type === 'function_call') {
      calls.push({
        id: item.call_id ?? item.id,
        type: 'function',
        function: { name: item.name, arguments: item.arguments },
      });
    }
  }
  const message: Record<string, unknown> = { role: 'assistant', content: text ?? null };
  if (refusal !== undefined) message.refusal = refusal;
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

interface ResponseEvent {
  type?: unknown;
  delta?: unknown;
  output_index?: unknown;
  item?: OutputItem;
  response?: ResponseLike;
}

/**
 * A Responses API stream: the final event (`response.completed`, `.incomplete`, `.failed`)
 * carries the whole response, usage included; until it arrives (a stream stopped early) the text
 * and the function calls are assembled from the deltas, by output index.
 */
class ResponsesStream implements StreamAccumulator {
  complete = false;
  private final: ResponseLike | undefined;
  private started: ResponseLike | undefined;
  private text: TextBuffer | undefined;
  private readonly calls = new Map<number, { id: unknown; name: unknown; arguments: TextBuffer }>();

  add(raw: unknown): number {
    const event = raw as ResponseEvent;
    if (event === null || typeof event !== 'object') return 0;
    switch (event.type) {
      case 'response.output_text.delta':
        if (typeof event.delta === 'string') this.text = append(this.text, event.delta);
        return CONTENT;
      case 'response.function_call_arguments.delta':
        if (typeof event.delta === 'string') this.call(event.output_index).arguments.append(event.delta);
        return CONTENT;
      case 'response.output_item.added':
        if (event.item?.type === 'function_call') {
          const call = this.call(event.output_index);
          call.id = event.item.call_id ?? event.item.id;
          call.name = event.item.name;
          return CONTENT;
        }
        return 0;
      case 'response.created':
        this.started = event.response;
        return 0;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.final = event.response;
        this.complete = true;
        return 0;
      default:
        return typeof event.type === 'string' && event.type.endsWith('.delta') ? CONTENT : 0;
    }
  }

  private call(index: unknown): { id: unknown; name: unknown; arguments: TextBuffer } {
    const key = typeof index === 'number' ? index : this.calls.size;
    let call = this.calls.get(key);
    if (call === undefined) {
      call = { id: undefined, name: undefined, arguments: new TextBuffer() };
      this.calls.set(key, call);
    }
    return call;
  }

  finish(ctx: CallContext, attributes: Attributes): unknown {
    if (this.final !== undefined && this.final !== null) return reportResponse(this.final, ctx, attributes);
    const started = this.started;
    if (started !== undefined && started !== null && typeof started === 'object') {
      reportModel(ctx, { response: started.model as string | undefined });
      if (typeof started.id === 'string') attributes[O.GEN_AI_RESPONSE_ID] = started.id;
    }
    const message: Record<string, unknown> = { role: 'assistant', content: this.text?.toString() ?? null };
    if (this.calls.size > 0) {
      message.tool_calls = [...this.calls.values()].map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments.toString() },
      }));
    }
    return message;
  }
}

/*
 * What a stream of provider chunk objects said, built as the chunks go by (nothing is kept but the
 * text and tool calls, themselves cut at the capture budget): OpenAI chat completion chunks,
 * OpenAI Responses stream events and Anthropic message stream events. A stream of such chunks is
 * recorded as its text — or, with tool calls, as `{ role, content, tool_calls }` — instead of a
 * list of chunk objects cut at the budget.
 */

/** `aggregate(chunks) => output`: how a module's streamed chunks become its recorded output. */
export type StreamAggregate = (chunks: readonly unknown[]) => unknown;

/** A tool call as recorded from a stream. */
export interface StreamedToolCall {
  id: string | undefined;
  name: string | undefined;
  /** The arguments as the model wrote them (JSON text), cut at the capture budget. */
  arguments: string;
}

/** An incremental aggregator for one kind of provider stream. */
export interface EventAggregator {
  add(chunk: unknown): void;
  output(): unknown;
}

type Rec = Record<string, unknown>;
const isRecord = (value: unknown): value is Rec => value !== null && typeof value === 'object';
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const ANTHROPIC_EVENTS = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
]);

/**
 * The aggregator for the stream whose first chunk this is, or `undefined` when it is not a
 * provider chunk lazytrace knows. Never throws (a hostile chunk is simply not recognised).
 */
export function recognizeStream(first: unknown, maxChars: number): EventAggregator | undefined {
  try {
    if (!isRecord(first)) return undefined;
    const type = first.type;
    if (typeof type === 'string') {
      if (type.startsWith('response.')) return new ResponsesAggregator(maxChars);
      if (ANTHROPIC_EVENTS.has(type)) return new AnthropicAggregator(maxChars);
    }
    if (first.object === 'chat.completion.chunk') return new ChatChunkAggregator(maxChars);
    const choices = first.choices;
    if (Array.isArray(choices) && choices.length > 0 && isRecord(choices[0]) && 'delta' in choices[0]) {
      return new ChatChunkAggregator(maxChars);
    }
  } catch {
    // A getter or Proxy trap threw: not a chunk we can read.
  }
  return undefined;
}

/** Text and tool calls, each growing only while the budget (shared) has room. */
class Message {
  private text = '';
  private readonly calls = new Map<string | number, StreamedToolCall>();
  private used = 0;
  private cut = false;

  constructor(private readonly maxChars: number) {}

  appendText(delta: unknown): void {
    if (typeof delta !== 'string' || delta === '') return;
    this.text += this.take(delta);
  }

  /** Starts or updates the tool call `key` (an index or an item id). */
  toolCall(key: string | number, id: unknown, name: unknown): StreamedToolCall {
    let call = this.calls.get(key);
    if (call === undefined) {
      call = { id: undefined, name: undefined, arguments: '' };
      this.calls.set(key, call);
    }
    if (typeof id === 'string' && id !== '') call.id = id;
    if (typeof name === 'string' && name !== '') call.name ??= name;
    return call;
  }

  appendArguments(call: StreamedToolCall, delta: unknown): void {
    if (typeof delta !== 'string' || delta === '') return;
    call.arguments += this.take(delta);
  }

  /** Full arguments given at the end (`…arguments.done`), where no delta was seen. */
  setArguments(call: StreamedToolCall, value: unknown): void {
    if (typeof value !== 'string' || call.arguments !== '') return;
    call.arguments = this.take(value);
  }

  /** What fits of `delta` in the budget left. */
  private take(delta: string): string {
    const room = this.maxChars - this.used;
    if (room <= 0) {
      this.cut = true;
      return '';
    }
    if (delta.length > room) this.cut = true;
    const kept = delta.length > room ? delta.slice(0, room) : delta;
    this.used += kept.length;
    return kept;
  }

  output(): unknown {
    const marker = this.cut ? '…[stream cut at the capture budget]' : '';
    if (this.calls.size === 0) return this.text + marker;
    return {
      role: 'assistant',
      content: this.text === '' ? null : this.text + marker,
      tool_calls: [...this.calls.values()].map((c) => ({
        id: c.id,
        name: c.name,
        arguments: this.text === '' ? c.arguments + marker : c.arguments,
      })),
    };
  }
}

/** OpenAI chat completion chunks (`choices[i].delta.content`, `delta.tool_calls[j]`). */
class ChatChunkAggregator implements EventAggregator {
  private readonly choices = new Map<number, Message>();

  constructor(private readonly maxChars: number) {}

  add(chunk: unknown): void {
    if (!isRecord(chunk) || !Array.isArray(chunk.choices)) return;
    for (const choice of chunk.choices) {
      if (!isRecord(choice) || !isRecord(choice.delta)) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let message = this.choices.get(index);
      if (message === undefined) {
        message = new Message(this.maxChars);
        this.choices.set(index, message);
      }
      const delta = choice.delta;
      message.appendText(delta.content);
      if (Array.isArray(delta.tool_calls)) {
        for (const toolCall of delta.tool_calls) {
          if (!isRecord(toolCall)) continue;
          const fn = isRecord(toolCall.function) ? toolCall.function : {};
          const call = message.toolCall(
            typeof toolCall.index === 'number' ? toolCall.index : 0,
            toolCall.id,
            fn.name,
          );
          message.appendArguments(call, fn.arguments);
        }
      }
    }
  }

  output(): unknown {
    if (this.choices.size === 0) return '';
    if (this.choices.size === 1) return [...this.choices.values()][0]!.output();
    return [...this.choices.entries()].sort(([a], [b]) => a - b).map(([, m]) => m.output());
  }
}

/** OpenAI Responses stream events (`response.output_text.delta`, function call items and deltas). */
class ResponsesAggregator implements EventAggregator {
  private readonly message: Message;

  constructor(maxChars: number) {
    this.message = new Message(maxChars);
  }

  add(event: unknown): void {
    if (!isRecord(event)) return;
    switch (event.type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        this.message.appendText(event.delta);
        return;
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const item = event.item;
        if (isRecord(item) && item.type === 'function_call') {
          const call = this.message.toolCall(this.key(item.id, event.output_index), item.call_id, item.name);
          if (event.type === 'response.output_item.done') this.message.setArguments(call, item.arguments);
        }
        return;
      }
      case 'response.function_call_arguments.delta':
        this.message.appendArguments(
          this.message.toolCall(this.key(event.item_id, event.output_index), undefined, undefined),
          event.delta,
        );
        return;
      case 'response.function_call_arguments.done':
        this.message.setArguments(
          this.message.toolCall(this.key(event.item_id, event.output_index), undefined, event.name),
          event.arguments,
        );
        return;
    }
  }

  /** Function call items are matched by item id (as the events name them), else output index. */
  private key(itemId: unknown, outputIndex: unknown): string | number {
    return str(itemId) ?? (typeof outputIndex === 'number' ? outputIndex : 0);
  }

  output(): unknown {
    return this.message.output();
  }
}

/** Anthropic message stream events (`text_delta`, `tool_use` blocks with `input_json_delta`). */
class AnthropicAggregator implements EventAggregator {
  private readonly message: Message;
  private readonly tools = new Map<number, StreamedToolCall>();

  constructor(maxChars: number) {
    this.message = new Message(maxChars);
  }

  add(event: unknown): void {
    if (!isRecord(event)) return;
    const index = typeof event.index === 'number' ? event.index : 0;
    if (event.type === 'content_block_start' && isRecord(event.content_block)) {
      const block = event.content_block;
      if (block.type === 'text') this.message.appendText(block.text);
      else if (block.type === 'tool_use')
        this.tools.set(index, this.message.toolCall(index, block.id, block.name));
      return;
    }
    if (event.type === 'content_block_delta' && isRecord(event.delta)) {
      const delta = event.delta;
      if (delta.type === 'text_delta') this.message.appendText(delta.text);
      else if (delta.type === 'input_json_delta') {
        const call = this.tools.get(index);
        if (call !== undefined) this.message.appendArguments(call, delta.partial_json);
      }
    }
  }

  output(): unknown {
    return this.message.output();
  }
}

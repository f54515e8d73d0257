import { randomBytes } from 'node:crypto';

/** A span of a hand-built trace (tests and the benchmark): times in ms relative to the trace start. */
export interface SpanSpec {
  id?: string;
  name: string;
  parent?: string;
  startMs: number;
  durationMs: number;
  kind?: string;
  status?: 'ok' | 'error';
  message?: string;
  attributes?: Record<string, string | number | boolean | string[]>;
}

export interface TraceSpec {
  traceId?: string;
  /** Epoch ms of the trace start. */
  startMs: number;
  spans: SpanSpec[];
  service?: string;
}

export const hexId = (bytes: number) => randomBytes(bytes).toString('hex');

function anyValue(value: string | number | boolean | string[]): Record<string, unknown> {
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/**
 * An OTLP/JSON ExportTraceServiceRequest for the given traces, with ids assigned where missing
 * (written back into the specs so tests can refer to them).
 */
export function otlpRequest(traces: TraceSpec[]): { resourceSpans: unknown[] } {
  const byService = new Map<string, unknown[]>();
  for (const trace of traces) {
    trace.traceId ??= hexId(16);
    const ids = new Map<string, string>();
    for (const span of trace.spans) {
      span.id ??= hexId(8);
      ids.set(span.name, span.id);
    }
    for (const span of trace.spans) {
      const parentId = span.parent === undefined ? undefined : (ids.get(span.parent) ?? span.parent);
      const attributes = Object.entries({
        ...(span.kind === undefined ? {} : { 'lazytrace.kind': span.kind }),
        ...span.attributes,
      }).map(([key, value]) => ({ key, value: anyValue(value) }));
      const list = byService.get(trace.service ?? 'test-app') ?? [];
      byService.set(trace.service ?? 'test-app', list);
      list.push({
        traceId: trace.traceId,
        spanId: span.id,
        ...(parentId === undefined ? {} : { parentSpanId: parentId }),
        name: span.name,
        kind: 1,
        startTimeUnixNano: nanos(trace.startMs + span.startMs),
        endTimeUnixNano: nanos(trace.startMs + span.startMs + span.durationMs),
        attributes,
        status:
          span.status === 'error'
            ? { code: 2, message: span.message ?? 'failed' }
            : span.status === 'ok'
              ? { code: 1 }
              : {},
      });
    }
  }
  return {
    resourceSpans: [...byService.entries()].map(([service, spans]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'fixtures', version: '1.0.0' }, spans }],
    })),
  };
}

/** A typical small RAG request: flow → retriever, llm (with usage and model). */
export function ragTrace(
  startMs: number,
  options: Partial<{
    session: string;
    user: string;
    tags: string[];
    error: boolean;
    name: string;
    question: string;
    answer: string;
    llmMs: number;
  }> = {},
): TraceSpec {
  const llmMs = options.llmMs ?? 80;
  const common: Record<string, string | string[]> = {};
  if (options.session !== undefined) common['session.id'] = options.session;
  if (options.user !== undefined) common['user.id'] = options.user;
  if (options.tags !== undefined) common['lazytrace.tags'] = options.tags;
  return {
    startMs,
    spans: [
      {
        name: options.name ?? 'rag',
        kind: 'flow',
        startMs: 0,
        durationMs: 20 + llmMs,
        status: options.error ? 'error' : undefined,
        message: options.error ? 'upstream failed' : undefined,
        attributes: {
          ...common,
          'lazytrace.root': true,
          'lazytrace.input': JSON.stringify(options.question ?? 'What is lazytrace?'),
          'lazytrace.output': JSON.stringify(options.answer ?? 'A tracing library.'),
        },
      },
      {
        name: 'retriever',
        kind: 'retriever',
        parent: options.name ?? 'rag',
        startMs: 2,
        durationMs: 10,
        attributes: {
          ...common,
          'lazytrace.input': JSON.stringify(options.question ?? 'What is lazytrace?'),
        },
      },
      {
        name: 'llm',
        kind: 'llm',
        parent: options.name ?? 'rag',
        startMs: 14,
        durationMs: llmMs,
        status: options.error ? 'error' : undefined,
        message: options.error ? 'rate limited 429' : undefined,
        attributes: {
          ...common,
          'gen_ai.request.model': 'gpt-test',
          'gen_ai.usage.input_tokens': 100,
          'gen_ai.usage.output_tokens': 20,
          'lazytrace.output': JSON.stringify(options.answer ?? 'A tracing library.'),
        },
      },
    ],
  };
}

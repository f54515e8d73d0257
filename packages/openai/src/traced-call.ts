import type { CallContext, TraceContext } from '@lazytrace/core';
import { getTraceContext, runWithTraceContext } from '@lazytrace/core/internal';
import type { Attributes } from '@opentelemetry/api';
import type { Adapter, Body } from './adapter.js';
import { observeResult } from './api-promise.js';
import * as O from './attributes.js';
import { enclosingModuleCall } from './enclosing-module.js';
import { Generation } from './generation.js';
import type { OpenAIOperation } from './operation.js';
import { shareUsage } from './report.js';
import { currentRun } from './run-tools.js';

/** What a wrapped client knows about itself, shared by all its traced methods. */
export interface ClientState {
  readonly provider: string;
  readonly serverAttributes: Attributes;
  /** `captureContent: false` was given to `wrapOpenAI`. */
  readonly captureOff: boolean;
  /** Ask for usage on chat streams (`stream_options.include_usage`) when the caller did not. */
  readonly streamUsage: boolean;
  operation(name: string, kind: string): OpenAIOperation;
  /** The operation of a direct call of `spec` (no helper): cached per method, no key to build. */
  directOperation(spec: MethodSpec): OpenAIOperation;
  spanName(method: string, helper: string | undefined): string;
}

/** One traced resource method (`chat.completions.create` …). */
export interface MethodSpec {
  /** `chat.completions.create` … */
  readonly method: string;
  readonly kind: 'llm' | 'embedding';
  readonly adapter: Adapter;
  /** Chat completions: ask for the usage chunk of a stream. */
  readonly injectUsage: boolean;
}

const noop = (): void => {};

/**
 * One call of a traced method: the SDK method runs exactly once, with the caller's arguments
 * (and, for a chat stream without usage, `stream_options.include_usage` added to a copy of the
 * body), and its result is returned as is — the very `APIPromise`, with the same `Stream` inside.
 * Inside an `llm` module the call reports to the module; otherwise it gets its own span through
 * core. Whatever goes wrong in tracing, the call is still made once and its outcome is the SDK's.
 */
export function tracedCall(
  state: ClientState,
  spec: MethodSpec,
  original: (...args: unknown[]) => unknown,
  self: unknown,
  args: unknown[],
): unknown {
  const body = args[0] as Body;
  if (body === null || typeof body !== 'object') return original.apply(self, args);

  // A chat stream that does not ask for usage gets it asked for, on a copy of the body, when the
  // call is recorded; the extra chunk is then kept from the caller.
  const wantsUsage = spec.injectUsage && state.streamUsage && body.stream === true && !includesUsage(body);
  const helper = helperMethod(args[1]);

  let enclosing: ReturnType<typeof enclosingModuleCall>;
  try {
    enclosing = enclosingModuleCall(spec.kind);
  } catch {
    enclosing = undefined;
  }
  if (enclosing !== undefined) {
    // The module is the generation (its span records): report to it, no span of our own.
    const result = original.apply(self, wantsUsage ? withStreamUsage(args, body) : args);
    try {
      shareUsage(enclosing);
      const generation = new Generation(
        enclosing,
        spec.adapter,
        body,
        false,
        wantsUsage,
        true,
        state.provider,
        requestAttributes(state, helper),
      );
      observeResult(result, generation);
    } catch {
      // Tracing failed to attach; the call is made and its result returned all the same.
    }
    return result;
  }

  let called = false;
  let threw = false;
  let thrown: unknown;
  let result: unknown;
  const run = (ctx: CallContext): unknown => {
    // A call sampled out, switched off by a module switch or with tracing off records nothing
    // (core says so in `ctx.recording`, fixed when the call starts): nothing is built, and the
    // request goes out as the caller wrote it; the call is still followed, to end it when it is over.
    const recording = ctx.recording;
    const hideUsageChunk = wantsUsage && recording;
    const generation = new Generation(
      ctx,
      spec.adapter,
      body,
      true,
      hideUsageChunk,
      recording,
      state.provider,
      requestAttributes(state, helper),
    );
    generation.run = currentRun();
    called = true;
    try {
      result = original.apply(self, hideUsageChunk ? withStreamUsage(args, body) : args);
    } catch (error) {
      threw = true;
      thrown = error;
      generation.fail(error);
      return generation.completion;
    }
    observeResult(result, generation);
    return generation.completion;
  };

  try {
    const operation =
      helper === undefined
        ? state.directOperation(spec)
        : state.operation(state.spanName(spec.method, helper), spec.kind);
    const input = spec.adapter.input(body);
    // The common case calls straight through: no closure per call unless a switch must be applied.
    const lifecycle = state.captureOff
      ? runWithTraceContext(captureOffFor(operation.name), () => operation.start(input, run))
      : operation.start(input, run);
    lifecycle?.then(noop, noop);
  } catch {
    // Only reachable through a failure of the tracing machinery itself.
  }
  if (!called) return original.apply(self, args);
  if (threw) throw thrown;
  return result;
}

/** The arguments with a copy of the body that asks for the usage chunk (the caller's is untouched). */
function withStreamUsage(args: unknown[], body: Body): unknown[] {
  const copy = args.slice();
  copy[0] = {
    ...body,
    stream_options: { ...(body.stream_options as object | undefined), include_usage: true },
  };
  return copy;
}

function includesUsage(body: Body): boolean {
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  return options !== null && typeof options === 'object' && options.include_usage === true;
}

/** The SDK marks requests made by its helpers (`parse`, `stream()`, `runTools`) in the options. */
function helperMethod(options: unknown): string | undefined {
  if (options === null || typeof options !== 'object') return undefined;
  const metadata = (options as { __metadata?: { helperMethod?: unknown } }).__metadata;
  const helper = metadata?.helperMethod;
  return typeof helper === 'string' ? helper : undefined;
}

function requestAttributes(state: ClientState, helper: string | undefined): Attributes {
  if (helper === undefined) return state.serverAttributes;
  return { ...state.serverAttributes, [O.OPENAI_HELPER]: helper };
}

/**
 * `wrapOpenAI(client, { captureContent: false })`: a module switch for this span's name, for the
 * duration of the call only, merged with what the request already says about that name (a switch
 * that turned the span off stays off).
 */
export function captureOffFor(name: string): TraceContext {
  const existing = getTraceContext().modules.byName?.[name];
  if (existing === false || (typeof existing === 'object' && existing?.enabled === false)) return {};
  return { modules: { byName: { [name]: { captureContent: false } } } };
}

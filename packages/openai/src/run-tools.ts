import { attributes as A, type CallContext } from '@lazytrace/core';
import { runWithTraceContext } from '@lazytrace/core/internal';
import { context, createContextKey } from '@opentelemetry/api';
import type { Body } from './adapter.js';
import * as O from './attributes.js';
import { reportAttributes, reportModel } from './report.js';
import { type ClientState, captureOffFor } from './traced-call.js';

/**
 * Carries the `runTools` run down the OTel context to the requests the runner makes (it makes
 * them from a timer, which the context follows), so a failed request can tell the run why it
 * failed: the runner itself only says *that* it failed, unless one listens for `error` — and
 * listening would change the caller's program (an unhandled failure would no longer surface).
 */
const RUN_KEY = createContextKey('lazytrace.openai.runTools');

export interface RunRecord {
  error?: unknown;
}

export function currentRun(): RunRecord | undefined {
  return context.active().getValue(RUN_KEY) as RunRecord | undefined;
}

interface RunnerLike {
  on?: (event: string, listener: () => void) => unknown;
  messages?: unknown;
  errored?: unknown;
  aborted?: unknown;
}

const noop = (): void => {};

/**
 * `chat.completions.runTools`: one span (kind `agent`) for the whole run, the span of each request
 * the runner makes nesting under it (they are ordinary `create` calls). The runner is returned
 * untouched; its `end` event (always emitted last, after success, error or abort; a listener on it
 * changes nothing else) ends the span.
 */
export function tracedRunTools(
  state: ClientState,
  original: (...args: unknown[]) => unknown,
  self: unknown,
  args: unknown[],
): unknown {
  const body = args[0] as Body;
  if (body === null || typeof body !== 'object') return original.apply(self, args);
  let called = false;
  let threw = false;
  let thrown: unknown;
  let result: unknown;
  const run = (ctx: CallContext): unknown => {
    reportModel(ctx, { request: body.model as string | undefined, provider: state.provider });
    reportAttributes(ctx, { ...state.serverAttributes, [O.OPENAI_HELPER]: 'runTools' });
    const record: RunRecord = {};
    called = true;
    try {
      result = context.with(context.active().setValue(RUN_KEY, record), () => original.apply(self, args));
    } catch (error) {
      threw = true;
      thrown = error;
      throw error;
    }
    return followRunner(result as RunnerLike, ctx, record);
  };
  try {
    const operation = state.operation(state.spanName('chat.completions.runTools', undefined), 'agent');
    const input = body.tools === undefined ? body.messages : { messages: body.messages, tools: body.tools };
    const start = () => operation.start(input, run);
    const lifecycle = state.captureOff ? runWithTraceContext(captureOffFor(operation.name), start) : start();
    lifecycle?.then(noop, noop);
  } catch {
    // Only reachable through a failure of the tracing machinery itself.
  }
  if (!called) return original.apply(self, args);
  if (threw) throw thrown;
  return result;
}

function followRunner(runner: RunnerLike, ctx: CallContext, record: RunRecord): Promise<unknown> | undefined {
  if (runner === null || typeof runner !== 'object' || typeof runner.on !== 'function') return undefined;
  return new Promise((resolve, reject) => {
    runner.on!('end', () => {
      try {
        if (runner.aborted === true) {
          reportAttributes(ctx, { [A.ATTR_STREAM_CANCELLED]: true });
          resolve(finalMessage(runner.messages));
        } else if (runner.errored === true) {
          reject(record.error ?? new Error('runTools failed'));
        } else {
          resolve(finalMessage(runner.messages));
        }
      } catch {
        resolve(undefined);
      }
    });
  });
}

function finalMessage(messages: unknown): unknown {
  if (!Array.isArray(messages)) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as { role?: unknown } | null;
    if (message !== null && typeof message === 'object' && message.role === 'assistant') return message;
  }
  return undefined;
}

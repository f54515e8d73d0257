import { type Context, createContextKey, type Span, trace } from '@opentelemetry/api';
import { CALL_NODE_KEY, type CallNode } from './call-node.js';

/**
 * The OTel API's own key for the active span. `createContextKey` is `Symbol.for(description)`
 * (so that several copies of the API share their keys), hence the same symbol here; checked once
 * below, and the plain `setSpan`/`setValue` pair is used if a future API spelt it otherwise.
 */
const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');

/**
 * The OTel context a call runs in: its caller's context with the call's span and its node. One
 * small object, where `trace.setSpan(parent, span).setValue(CALL_NODE_KEY, node)` makes two
 * `BaseContext`s, each a copy of the parent's whole map plus three closures — on every traced
 * call, the largest share of what lazytrace added to a raw span.
 *
 * It owns both keys (`undefined` is an answer, not "look further"): a span deleted from it stays
 * deleted. Any other key is read from `base`, the caller's context; a context made over another
 * call's takes that one's base (it replaces both keys), so nesting never builds a chain.
 */
class CallOtelContext implements Context {
  constructor(
    readonly base: Context,
    readonly span: Span | undefined,
    readonly node: CallNode | undefined,
  ) {}

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this.span;
    if (key === CALL_NODE_KEY) return this.node;
    return this.base.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    if (key === SPAN_KEY) return new CallOtelContext(this.base, value as Span | undefined, this.node);
    if (key === CALL_NODE_KEY)
      return new CallOtelContext(this.base, this.span, value as CallNode | undefined);
    return new CallOtelContext(this.base.setValue(key, value), this.span, this.node);
  }

  deleteValue(key: symbol): Context {
    if (key === SPAN_KEY) return new CallOtelContext(this.base, undefined, this.node);
    if (key === CALL_NODE_KEY) return new CallOtelContext(this.base, this.span, undefined);
    return new CallOtelContext(this.base.deleteValue(key), this.span, this.node);
  }
}

/** Whether this API reads the active span under `SPAN_KEY` (every 1.x release does). */
const spanKeyHolds = (() => {
  const probe = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 });
  const holder = new CallOtelContext(
    {
      getValue: () => undefined,
      setValue() {
        return this;
      },
      deleteValue() {
        return this;
      },
    },
    probe,
    undefined,
  );
  return trace.getSpan(holder) === probe;
})();

/** `parent` with `span` as the active span (kept as it is when undefined) and `node` as the call. */
export function callOtelContext(parent: Context, span: Span | undefined, node: CallNode): Context {
  if (!spanKeyHolds) {
    return (span === undefined ? parent : trace.setSpan(parent, span)).setValue(CALL_NODE_KEY, node);
  }
  if (parent instanceof CallOtelContext) {
    return new CallOtelContext(parent.base, span ?? parent.span, node);
  }
  return new CallOtelContext(parent, span ?? (parent.getValue(SPAN_KEY) as Span | undefined), node);
}

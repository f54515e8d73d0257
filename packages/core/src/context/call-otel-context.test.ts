import { context, createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../../../../test/support/otel.js';
import { CALL_NODE_KEY, CallNode, callNodeOf } from './call-node.js';
import { callOtelContext } from './call-otel-context.js';
import { getTraceDefaults } from './trace-context.js';

const span = (id: string) =>
  trace.wrapSpanContext({ traceId: id.repeat(32), spanId: id.repeat(16), traceFlags: 1 });
const node = (name: string) => new CallNode(undefined, getTraceDefaults(), name, undefined);
const OTHER = createContextKey('lazytrace.test.other');

/** The context a call runs in reads like the one `setSpan(...).setValue(CALL_NODE_KEY, ...)` makes. */
describe('callOtelContext', () => {
  beforeAll(() => installTestTracing());
  afterAll(() => uninstallTestTracing());

  it('holds the span and the node, and reads any other key from the caller context', () => {
    const parent = ROOT_CONTEXT.setValue(OTHER, 'kept');
    const s = span('a');
    const n = node('x');
    const ctx = callOtelContext(parent, s, n);
    expect(trace.getSpan(ctx)).toBe(s);
    expect(callNodeOf(ctx)).toBe(n);
    expect(ctx.getValue(OTHER)).toBe('kept');
    expect(ctx.getValue(createContextKey('missing'))).toBeUndefined();
  });

  it('keeps the caller span when the call has none (a carrier)', () => {
    const s = span('b');
    const ctx = callOtelContext(trace.setSpan(ROOT_CONTEXT, s), undefined, node('c'));
    expect(trace.getSpan(ctx)).toBe(s);
  });

  it('setValue and deleteValue copy, like BaseContext, and never change the original', () => {
    const s = span('c');
    const n = node('n');
    const ctx = callOtelContext(ROOT_CONTEXT, s, n);
    const withOther = ctx.setValue(OTHER, 1);
    expect(withOther.getValue(OTHER)).toBe(1);
    expect(ctx.getValue(OTHER)).toBeUndefined();
    expect(trace.getSpan(withOther)).toBe(s);
    expect(callNodeOf(withOther)).toBe(n);
    expect(withOther.deleteValue(OTHER).getValue(OTHER)).toBeUndefined();

    const noSpan = trace.deleteSpan(ctx);
    expect(trace.getSpan(noSpan)).toBeUndefined();
    expect(trace.getSpan(ctx)).toBe(s);
    expect(callNodeOf(noSpan)).toBe(n);
    const other = span('d');
    expect(trace.getSpan(trace.setSpan(ctx, other))).toBe(other);
    expect(callNodeOf(ctx.deleteValue(CALL_NODE_KEY))).toBeUndefined();
    const n2 = node('n2');
    expect(callNodeOf(ctx.setValue(CALL_NODE_KEY, n2))).toBe(n2);
  });

  it('a span deleted from the caller context is not found again through the call context', () => {
    const parent = trace.setSpan(ROOT_CONTEXT, span('e'));
    const ctx = callOtelContext(parent, span('f'), node('x'));
    expect(trace.getSpan(trace.deleteSpan(ctx))).toBeUndefined();
  });

  it('nested calls do not build a chain: the inner context reads the outermost caller context directly', () => {
    const parent = ROOT_CONTEXT.setValue(OTHER, 'base');
    let ctx = callOtelContext(parent, span('1'), node('0'));
    for (let i = 0; i < 1000; i++) ctx = callOtelContext(ctx, span('2'), node(String(i)));
    expect((ctx as unknown as { base: unknown }).base).toBe(parent);
    expect(ctx.getValue(OTHER)).toBe('base');
  });

  it('works as the active context', () => {
    const s = span('9');
    const ctx = callOtelContext(ROOT_CONTEXT, s, node('x'));
    context.with(ctx, () => {
      expect(trace.getActiveSpan()).toBe(s);
    });
  });
});

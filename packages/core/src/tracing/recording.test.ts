import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../../../../test/support/otel.js';
import { type CallContext, configureTracing, fn, pipeline, setTraceDefaults } from '../index.js';
import { runWithTraceContext } from '../internal.js';

/** `ctx.recording`: business code can tell whether its call's span is recorded. */
describe('ctx.recording', () => {
  let provider: BasicTracerProvider;
  beforeEach(() => {
    ({ provider } = installTestTracing());
  });
  afterEach(() => {
    setTraceDefaults({});
    configureTracing({ tracerProvider: provider });
  });
  afterAll(() => uninstallTestTracing());

  const seen = () => {
    const values: boolean[] = [];
    const step = fn((_x: unknown, ctx: CallContext) => {
      values.push(ctx.recording);
      return 1;
    });
    return { values, step };
  };

  it('is true inside a traced call, also for the steps of a flow', async () => {
    const { values, step } = seen();
    await step.invoke(0);
    await pipeline({ a: step, b: step }).invoke(0);
    expect(values).toEqual([true, true, true]);
  });

  it('is false when tracing is off, for the request or by default', async () => {
    const { values, step } = seen();
    await runWithTraceContext({ enabled: false }, () => step.invoke(0));
    setTraceDefaults({ enabled: false });
    await step.invoke(0);
    expect(values).toEqual([false, false]);
  });

  it('is false for a module switched off and for a sampled-out call', async () => {
    const { values, step } = seen();
    await runWithTraceContext({ modules: { byClass: { Function: false } } }, () => step.invoke(0));
    await runWithTraceContext({ sampled: false }, () => step.invoke(0));
    configureTracing({ tracerProvider: new BasicTracerProvider({ sampler: new AlwaysOffSampler() }) });
    await step.invoke(0);
    expect(values).toEqual([false, false, false]);
  });
});

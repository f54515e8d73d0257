import type { Attributes } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../../../../test/support/otel.js';
import {
  type CallContext,
  configureTracing,
  fn,
  ifs,
  parallel,
  pipeline,
  setTraceDefaults,
} from '../index.js';
import { runWithTraceContext } from '../internal.js';
import type { Invocation } from '../invocation.js';
import { ATTR_IFS_BRANCH, ATTR_PARALLEL_BRANCHES } from './attributes.js';

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

/** A flow's own attributes (branch taken, branch count) are not even built for a span not recorded. */
describe('flow attributes of a call not recorded', () => {
  beforeEach(() => {
    installTestTracing();
  });
  afterEach(() => setTraceDefaults({}));
  afterAll(() => uninstallTestTracing());

  /** What each flow call kept for its span, read by a user hook when the call ends. */
  const kept: (Attributes | undefined)[] = [];
  class KeepAttributes {
    constructor(private readonly invocation: Invocation) {}
    finalize(): void {
      kept.push(this.invocation.attributes);
    }
  }
  const flows = () => [
    ifs(
      () => true,
      fn((x: number) => x),
    ),
    parallel({ same: fn((x: number) => x) }),
  ];

  it('are kept when the span is recorded, and not when tracing is off', async () => {
    kept.length = 0;
    for (const flow of flows()) await flow.registerHook(KeepAttributes).invoke(1);
    expect(kept).toEqual([{ [ATTR_IFS_BRANCH]: 'then' }, { [ATTR_PARALLEL_BRANCHES]: 1 }]);
    kept.length = 0;
    setTraceDefaults({ enabled: false });
    for (const flow of flows()) await flow.registerHook(KeepAttributes).invoke(1);
    expect(kept).toEqual([undefined, undefined]);
  });
});

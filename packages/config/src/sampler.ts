import { attributes, isStandInParent } from '@lazytrace/core';
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';

/**
 * Whole-trace sampling at `rate` (parent-based, so a trace is kept or dropped as a whole),
 * except that a request marked `setTrace({ sampled: true })` is always kept.
 */
export class LazytraceSampler implements Sampler {
  private readonly delegate: Sampler;
  private readonly root: Sampler;

  constructor(readonly rate: number) {
    this.root = new TraceIdRatioBasedSampler(rate);
    this.delegate = new ParentBasedSampler({ root: this.root });
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    spanAttributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (spanAttributes[attributes.ATTR_SAMPLED] === true)
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    // Under the stand-in for a request root switched off (no span of its own), decide as for a
    // root: by the trace id, which every span of the request shares, so it is kept or dropped whole.
    if (isStandInParent(context))
      return this.root.shouldSample(context, traceId, spanName, spanKind, spanAttributes, links);
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, spanAttributes, links);
  }

  toString(): string {
    return `LazytraceSampler{rate=${this.rate}}`;
  }
}

import { attributes } from '@lazytrace/core';
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

/**
 * Whole-trace sampling at `rate` (parent-based, so a trace is kept or dropped as a whole),
 * except that a request marked `setTrace({ sampled: true })` is always kept.
 */
export class LazytraceSampler implements Sampler {
  private readonly delegate: Sampler;

  constructor(readonly rate: number) {
    this.delegate = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(rate) });
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
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, spanAttributes, links);
  }

  toString(): string {
    return `LazytraceSampler{rate=${this.rate}}`;
  }
}

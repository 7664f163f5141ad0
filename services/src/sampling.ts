/** The services' sampler: OTEL_TRACES_SAMPLER's parent-based samplers; a new trace linked to a recorded one is recorded. */
import { TraceFlags, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import {
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';

/**
 * A new trace started to continue the work of a recorded one (created with a span link to it,
 * e.g. the gateway's reconciler settling a payment after its request has answered) is recorded
 * too, whatever the ratio: at 1 %, a sampled payment's settlement would otherwise be missing 99
 * times in 100, and an unsampled payment's settlement would show without the payment. Other new
 * traces are decided by `root`. Links are passed to samplers at span creation only, so the
 * gateway's link to an untrusted inbound `traceparent` (added after the decision) never forces one.
 */
export class FollowSampledLinks implements Sampler {
  constructor(private readonly root: Sampler) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    for (const link of links) {
      if ((link.context.traceFlags & TraceFlags.SAMPLED) !== 0) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    return this.root.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `FollowSampledLinks{root=${this.root.toString()}}`;
  }
}

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name when it is one of the standard
 * parent-based ones (the default is parentbased_always_on), with FollowSampledLinks deciding new
 * traces. Undefined for any other value (always_off, traceidratio, jaeger_remote, …): the SDK then
 * reads the variables itself, as before.
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler | undefined {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  if (name === 'parentbased_always_on') return new ParentBasedSampler({ root: new FollowSampledLinks(new AlwaysOnSampler()) });
  if (name === 'parentbased_traceidratio') {
    // The SDK's rule: a missing or invalid ratio is 1.
    const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
    const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
    return new ParentBasedSampler({ root: new FollowSampledLinks(new TraceIdRatioBasedSampler(ratio)) });
  }
  return undefined;
}

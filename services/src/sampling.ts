/**
 * The services' sampler: OTEL_TRACES_SAMPLER's parent-based samplers made consistent (OpenTelemetry's
 * probability sampling: the threshold rides in `tracestate` as `ot=th:…`), so that span metrics
 * computed from sampled traces can weigh each span by 1 / its sampling probability; and a new
 * trace linked to a recorded one is recorded.
 */
import { TraceFlags, createTraceState, trace, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import {
  createComposableAlwaysOnSampler,
  createComposableParentThresholdSampler,
  createComposableProbabilitySampler,
  createCompositeSampler,
  type ComposableSampler,
} from '@opentelemetry/sampler-composite';

/** 2^56: randomness and thresholds are 56-bit numbers (the sampling specification's R and T). */
const THRESHOLD_SCALE = 1n << 56n;

/**
 * The rejection threshold T of a probability p, as `th` writes it: 14 hex digits, trailing zeros
 * dropped. A span is kept when its trace's randomness R ≥ T; p = (2^56 − T) / 2^56. Undefined for
 * p = 0 (nothing is kept, so there is no threshold to record).
 */
export function thresholdOf(probability: number): string | undefined {
  if (!(probability > 0 && probability <= 1)) return undefined;
  const threshold = THRESHOLD_SCALE - BigInt(Math.round(probability * 2 ** 56));
  return threshold.toString(16).padStart(14, '0').replace(/0+$/, '') || '0';
}

/** The trace's randomness R: its `rv` if it carries one, else the last 56 bits of its trace id (W3C level 2). */
function randomnessOf(link: Link): string {
  const ot = link.context.traceState?.get('ot') ?? '';
  const rv = /(?:^|;)rv:([0-9a-f]{14})(?:;|$)/.exec(ot)?.[1];
  return rv ?? link.context.traceId.slice(-14);
}

/**
 * A new trace started to continue the work of a recorded one (created with a span link to it,
 * e.g. the gateway's reconciler settling a payment after its request has answered) is recorded
 * too, whatever the ratio: at 1 %, a sampled payment's settlement would otherwise be missing 99
 * times in 100, and an unsampled payment's settlement would show without the payment.
 *
 * Such a trace is kept exactly when the payment it continues was kept, so it is weighed like it:
 * it takes the payment's randomness as its own (`rv`) and this sampler's threshold (`th`). Its
 * spans then count 1/p each in span metrics, as the payment's do, and its children (which compare
 * `th` with `rv`) follow it. Other new traces, and every child, are decided by `consistent`.
 * Links are passed to samplers at span creation only, so the gateway's link to an untrusted
 * inbound `traceparent` (added after the decision) never forces one.
 */
export class FollowSampledLinks implements Sampler {
  constructor(
    private readonly consistent: Sampler,
    /** The probability new traces are kept with (for the `th` of a followed trace). */
    private readonly probability: number,
  ) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (!trace.getSpanContext(context)) {
      const followed = links.find((link) => (link.context.traceFlags & TraceFlags.SAMPLED) !== 0);
      if (followed) {
        const th = thresholdOf(this.probability);
        return {
          decision: SamplingDecision.RECORD_AND_SAMPLED,
          ...(th ? { traceState: createTraceState().set('ot', `rv:${randomnessOf(followed)};th:${th}`) } : {}),
        };
      }
    }
    return this.consistent.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `FollowSampledLinks{${this.consistent.toString()}}`;
  }
}

function consistentParentBased(root: ComposableSampler, probability: number): Sampler {
  return new FollowSampledLinks(createCompositeSampler(createComposableParentThresholdSampler(root)), probability);
}

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name when it is one of the standard
 * parent-based ones (the default is parentbased_always_on), built from consistent probability
 * samplers (@opentelemetry/sampler-composite), with FollowSampledLinks deciding linked new traces.
 * Undefined for any other value (always_off, traceidratio, jaeger_remote, …): the SDK then reads
 * the variables itself, as before, and spans carry no threshold (span metrics count them as 1).
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv = process.env): Sampler | undefined {
  const name = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  if (name === 'parentbased_always_on') return consistentParentBased(createComposableAlwaysOnSampler(), 1);
  if (name === 'parentbased_traceidratio') {
    // The SDK's rule: a missing or invalid ratio is 1.
    const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
    const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
    return consistentParentBased(createComposableProbabilitySampler(ratio), ratio);
  }
  return undefined;
}

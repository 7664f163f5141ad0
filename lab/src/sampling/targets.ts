/** The sampling lab's targets (throughput, CPU, p99, spans kept, each against the baseline), checked against a run. */
import type { ConfigSummary } from './summary.js';
import type { LabTarget } from '@paytrace/loadtest/sampling-lab-json';

/** One of the targets against this run (reported, not asserted). */
/** A lesson's target held against a run, as sampling-lab.json holds it. */
export type Target = LabTarget;

/** The targets, against this run's figures. */
export function checkTargets(summaries: ConfigSummary[], ratesFromMax: boolean): Target[] {
  const by = Object.fromEntries(summaries.map((s) => [s.id, s])) as Record<string, ConfigSummary | undefined>;
  const base = by['sdk-off']!;
  const full = by['ratio-1'];
  const one = by['ratio-0.01'];
  const targets: Target[] = [];
  const absent = (target: string) => targets.push({ target, measured: 'configuration not in this run', met: null });
  for (const [id, s, min] of [
    ['100%', full, 0.85],
    ['1%', one, 0.95],
  ] as const) {
    const target = `max throughput at ${id} ≥ ${min} × baseline`;
    if (!s) {
      absent(target);
      continue;
    }
    const r = s.max_throughput_rps !== undefined && base.max_throughput_rps ? s.max_throughput_rps / base.max_throughput_rps : undefined;
    targets.push({
      target,
      measured: r === undefined ? 'not measured' : `${s.max_throughput_rps} / ${base.max_throughput_rps} req/s = ${r.toFixed(2)} ×`,
      met: r === undefined ? null : r >= min,
    });
  }
  const zero = by['ratio-0'];
  const cpu = (x: ConfigSummary) => x.cpu_ms_per_request.services;
  if (zero) {
    const r = cpu(zero) / cpu(base);
    targets.push({
      target: 'service CPU per request at ratio 0 ≤ 1.15 × baseline',
      measured: `${cpu(zero).toFixed(2)} / ${cpu(base).toFixed(2)} ms = ${r.toFixed(2)} ×`,
      met: r <= 1.15,
    });
  } else absent('service CPU per request at ratio 0 ≤ 1.15 × baseline');
  if (zero && one) {
    const step = (cpu(one) - cpu(zero)) / cpu(base);
    targets.push({
      target: 'service CPU per request at 1% ≤ ratio 0 + 0.03 × baseline',
      measured: `${cpu(one).toFixed(2)} − ${cpu(zero).toFixed(2)} ms = ${step >= 0 ? '+' : ''}${step.toFixed(3)} × baseline`,
      met: step <= 0.03,
    });
  } else absent('service CPU per request at 1% ≤ ratio 0 + 0.03 × baseline');
  const p99Target = `p99 at 1% ≤ 1.10 × baseline${ratesFromMax ? " (at half the baseline's max rate)" : " (at this run's rate; the target's rate needs --max-throughput)"}`;
  if (one) {
    targets.push({
      target: p99Target,
      measured: `${one.latency_ms.p99.toFixed(1)} / ${base.latency_ms.p99.toFixed(1)} ms = ${one.ratio_to_baseline.p99.toFixed(2)} ×`,
      met: ratesFromMax ? one.ratio_to_baseline.p99 <= 1.1 : null,
    });
  } else absent(p99Target);
  if (!full) {
    absent('at 100%: every exported span stored in Jaeger');
    absent('at 100%: no span dropped by any queue (SDK, Collector receiver, Collector exporter)');
    return targets;
  }
  const exported = full.spans.collector_accepted + full.spans.collector_refused;
  const storedShare = exported > 0 ? full.spans.jaeger_accepted / exported : NaN;
  targets.push({
    target: 'at 100%: every exported span stored in Jaeger',
    measured: `${full.spans.jaeger_accepted} of ${exported} = ${(storedShare * 100).toFixed(2)}%`,
    met: full.spans.jaeger_accepted >= exported,
  });
  const dropped = full.spans.sdk_dropped + full.spans.collector_refused + full.spans.collector_send_failed;
  targets.push({
    target: 'at 100%: no span dropped by any queue (SDK, Collector receiver, Collector exporter)',
    measured: `SDK ${full.spans.sdk_dropped}, refused ${full.spans.collector_refused}, send failed ${full.spans.collector_send_failed}`,
    met: dropped === 0,
  });
  return targets;
}

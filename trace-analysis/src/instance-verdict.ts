/**
 * One bad replica among good ones: a service's instances (service.instance.id) compared by their
 * SERVER spans, and the verdict naming the one that stands out. Pure functions.
 */
import type { TraceSpan } from './jaeger-client.js';
import { kindOf } from './spans.js';
import { formatMs } from './format.js';
import { quantileWithCi } from './statistics.js';
import type { Verdict } from './verdict-types.js';

/** A request one instance served: a SERVER span of a process that says which it is. */
export interface ServedRequest {
  service: string;
  instance: string;
  /** µs */
  duration: number;
  failed: boolean;
}

/** One instance of a service, by its SERVER spans. */
export interface InstanceStats {
  instance: string;
  count: number;
  /** µs, nearest rank (as the verdict's percentiles). */
  p50: number;
  failureRate: number;
}

/** An instance that stands out from its siblings: slower (p50), or failing where they do not. */
export interface InstanceFinding {
  service: string;
  instance: string;
  kind: 'latency' | 'errors';
  /** The odd one first, then its siblings. */
  instances: InstanceStats[];
}

export interface InstanceOptions {
  /** Fewer SERVER spans than this on an instance: too few to judge it (default 5). */
  minSpans?: number;
  /** Its p50 at least this many times every sibling's (default 2) … */
  minRatio?: number;
  /** … and at least this many ms more (default 10): a 2 ms replica beside a 1 ms one is noise. */
  minExtraMs?: number;
  /** Failing at least this share of its requests (default 0.05) while no sibling fails a third as often. */
  minFailureRate?: number;
}

const SERVICE_INSTANCE_ID = 'service.instance.id';

/** The requests each instance served in one trace (SERVER spans whose process names its instance). */
export function servedRequests(spans: readonly TraceSpan[]): ServedRequest[] {
  return spans.flatMap((s) => {
    const instance = s.resource?.[SERVICE_INSTANCE_ID];
    if (kindOf(s) !== 'server' || typeof instance !== 'string' || instance === '') return [];
    const failed = s.tags['otel.status_code'] === 'ERROR' || Number(s.tags['http.response.status_code'] ?? 0) >= 500;
    return [{ service: s.service, instance, duration: s.duration, failed }];
  });
}

function statsOf(instance: string, requests: readonly ServedRequest[]): InstanceStats {
  const sorted = requests.map((r) => r.duration).sort((a, b) => a - b);
  return {
    instance,
    count: requests.length,
    p50: quantileWithCi(sorted, 0.5)?.estimate ?? 0,
    failureRate: requests.filter((r) => r.failed).length / (requests.length || 1),
  };
}

/**
 * The one instance of a service that stands out from all its siblings (each with enough spans):
 * failing (errors first, as in the verdict), else slower by `minRatio` and `minExtraMs` at p50
 * than the slowest sibling. Several services with one: the most striking (the largest ratio).
 * Replicas that behave alike, or a service with one instance, give nothing.
 */
export function oddInstance(requests: readonly ServedRequest[], options: InstanceOptions = {}): InstanceFinding | undefined {
  const minSpans = options.minSpans ?? 5;
  const byService = new Map<string, Map<string, ServedRequest[]>>();
  for (const r of requests) {
    const instances = byService.get(r.service) ?? new Map<string, ServedRequest[]>();
    instances.set(r.instance, [...(instances.get(r.instance) ?? []), r]);
    byService.set(r.service, instances);
  }
  let best: { finding: InstanceFinding; ratio: number } | undefined;
  for (const [service, instances] of byService) {
    const stats = [...instances].map(([id, served]) => statsOf(id, served)).filter((s) => s.count >= minSpans);
    if (stats.length < 2) continue;
    const consider = (odd: InstanceStats, kind: InstanceFinding['kind'], ratio: number) => {
      if (best && best.ratio >= ratio) return;
      const siblings = stats.filter((s) => s !== odd).sort((a, b) => a.instance.localeCompare(b.instance));
      best = { finding: { service, instance: odd.instance, kind, instances: [odd, ...siblings] }, ratio };
    };
    const failing = [...stats].sort((a, b) => b.failureRate - a.failureRate);
    const [worst, next] = failing as [InstanceStats, InstanceStats];
    if (worst.failureRate >= (options.minFailureRate ?? 0.05) && next.failureRate * 3 <= worst.failureRate) {
      consider(worst, 'errors', Number.POSITIVE_INFINITY);
      continue;
    }
    const slow = [...stats].sort((a, b) => b.p50 - a.p50);
    const [slowest, runnerUp] = slow as [InstanceStats, InstanceStats];
    const ratio = slowest.p50 / Math.max(runnerUp.p50, 1);
    if (ratio >= (options.minRatio ?? 2) && slowest.p50 - runnerUp.p50 >= (options.minExtraMs ?? 10) * 1000) consider(slowest, 'latency', ratio);
  }
  return best?.finding;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** "balance-2: its spans 212 ms p50 (41 spans) against 4.1 ms on balance-1 (39)". */
export function describeInstance(finding: InstanceFinding): string {
  const [odd, ...siblings] = finding.instances as [InstanceStats, ...InstanceStats[]];
  const figure = (s: InstanceStats) => (finding.kind === 'errors' ? `${pct(s.failureRate)} failed` : `${formatMs(s.p50)} p50`);
  const others = siblings.map((s) => `${figure(s)} on ${s.instance} (${s.count})`).join(', ');
  return `${odd.instance}: its spans ${figure(odd)} (${odd.count} spans) against ${others}`;
}

/**
 * The verdict with the odd instance, if one stands out: named in the culprit (when the culprit is
 * its service) and in the sentence, with the figures. Replicas alike: the verdict unchanged.
 */
export function withOddInstance(spans: Verdict, requests: readonly ServedRequest[], options: InstanceOptions = {}): Verdict {
  const finding = oddInstance(requests, options);
  if (!finding) return spans;
  const { service, instance } = finding;
  const siblings = finding.instances.length - 1;
  const odd =
    `of ${service}'s ${finding.instances.length} instances one stands out, ${describeInstance(finding)}: ` +
    `look first at what only ${instance} has (its process, its host, its configuration, its own connections), ` +
    `not at the code ${siblings === 1 ? 'both share' : `all ${finding.instances.length} share`}.`;
  if (spans.culprit?.service === service) {
    return { ...spans, instance: finding, culprit: { ...spans.culprit, instance }, sentence: `${spans.sentence} O${odd.slice(1)}` };
  }
  return { ...spans, instance: finding, sentence: `${spans.sentence} Also, ${odd}` };
}

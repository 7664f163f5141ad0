/** Runtime findings (read from metrics elsewhere) in the verdict: a service whose process stalls makes no span stand out, so its figure names it. Pure. */
import type { Culprit, Verdict } from './verdict-types.js';

/**
 * A service named from its runtime metrics, with the figure that shows it: plain data, declared
 * here so trace-analysis needs nothing from the package that reads the metrics
 * (@paytrace/metrics-analysis's runtimeFindings returns this same shape).
 */
export interface RuntimeFinding {
  service: string;
  /** event-loop: its event loop ran late (delay p99); pool: requests queued for a database connection; in-flight: requests piled up. */
  kind: 'event-loop' | 'pool' | 'in-flight';
  /** The figure in the window (ms for event-loop, requests otherwise). */
  value: number;
  /** What it was compared with, same unit (undefined: no baseline). */
  baseline: number | undefined;
  /** The figure in words, e.g. "auth: event-loop delay p99 104 ms over the window (max 131 ms), 6 ms before". */
  summary: string;
}

/** What to look for when a service's event loop runs late: it is not one query or one call. */
export const EVENT_LOOP_ADVICE =
  'its process is not running its event loop on time, so every span in it stretches a little and none stands out: ' +
  'look for what keeps it off the CPU: long GC pauses (v8js_gc_duration_seconds, a growing heap), synchronous work on the ' +
  'request path (a CPU profile: node --cpu-prof), or CPU starvation (container CPU limits and throttling, a busy machine, a stopped process)';

const POOL_ADVICE =
  "requests queue for one of its database connections: find what holds them long (slow queries, transactions kept open across calls) or size the pool for the load (Little's law)";

/**
 * The verdict with runtime findings: errors stay first (a failing request is worse than a slow
 * one); otherwise a stalled event loop names its service before any span share, because it
 * distorts every span timed in that process; a saturated pool names its service only when no span
 * stands out (it is more often the symptom of a slow query, which the spans name better). Requests
 * in flight never name a service alone: they pile up upstream of any slow hop too.
 */
export function withRuntimeFindings(spans: Verdict, findings: readonly RuntimeFinding[]): Verdict {
  if (findings.length === 0) return spans;
  const base = { ...spans, runtime: [...findings] };
  const facts = `From the services' metrics: ${findings.map((f) => f.summary).join('; ')}.`;
  const stalled = [...findings].filter((f) => f.kind === 'event-loop').sort((a, b) => b.value - a.value)[0];
  const pool = findings.find((f) => f.kind === 'pool');
  const shareOf = (service: string) => spans.services.find((s) => s.service === service)?.mean ?? 0;
  if (spans.culprit?.kind === 'errors' || (!stalled && !(pool && !spans.culprit))) {
    return { ...base, sentence: `${spans.sentence} ${facts}` };
  }
  const named = (stalled ?? pool)!;
  const culprit: Culprit = {
    service: named.service,
    operation: named.kind === 'event-loop' ? 'event loop' : 'database connection pool',
    share: shareOf(named.service),
    kind: 'runtime',
  };
  const others = findings.filter((f) => f !== named);
  const also = others.length ? ` Also: ${others.map((f) => f.summary).join('; ')}.` : '';
  const spanSide = spans.culprit
    ? ` (The spans alone would have said: ${spans.sentence})`
    : spans.count > 0
      ? ` (No span stands out over ${spans.count} traces.)`
      : '';
  return {
    ...base,
    culprit,
    sentence: `${named.summary}: ${named.kind === 'event-loop' ? EVENT_LOOP_ADVICE : POOL_ADVICE}.${also}${spanSide}`,
  };
}

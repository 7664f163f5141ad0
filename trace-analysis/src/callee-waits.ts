/**
 * The time each called service took to start its requests: from the caller's CLIENT span starting
 * to the callee's SERVER span starting (the hop's `before`), as far as it held the critical path,
 * summed per callee in each trace and taken over many traces. A callee whose process is stopped,
 * starved of CPU or behind a full listen queue starts its spans late, so its own spans look
 * normal: the wait shows only in this gap. Pure functions.
 */
import type { TraceAnalysis } from './analysis.js';
import { quantileWithCi } from './statistics.js';

/** Per callee service, the µs of the trace's critical path spent waiting for it to start a request. */
export function calleeWaits(analysis: TraceAnalysis): Map<string, number> {
  // The part of a hop's wait on the path: the client span's own segments inside [client start, server start).
  const segments = new Map<string, Array<{ start: number; end: number }>>();
  for (const seg of analysis.criticalPath) segments.set(seg.span.spanId, [...(segments.get(seg.span.spanId) ?? []), seg]);
  const waits = new Map<string, number>();
  for (const hop of analysis.hops) {
    const from = hop.client.startTime;
    const to = from + hop.before;
    let us = 0;
    for (const seg of segments.get(hop.client.spanId) ?? []) us += Math.max(0, Math.min(seg.end, to) - Math.max(seg.start, from));
    if (us > 0) waits.set(hop.server.service, (waits.get(hop.server.service) ?? 0) + us);
  }
  return waits;
}

export interface CalleeWait {
  service: string;
  /** Share of each trace's critical path spent waiting for the service to start (0 in a trace without it). */
  meanShare: number;
  p95Share: number;
  /** Per trace, µs waited on the critical path for it to start (0 in a trace without it). */
  meanUs: number;
  p95Us: number;
  /** Traces in which the wait was on the path at all. */
  traces: number;
}

/** Every callee's wait over the traces, the largest mean share first. */
export function calleeWaitStats(traces: readonly TraceAnalysis[]): CalleeWait[] {
  const perTrace = traces.map((t) => ({ duration: t.duration, waits: calleeWaits(t) }));
  const services = new Set(perTrace.flatMap((t) => [...t.waits.keys()]));
  const q95 = (xs: number[]) =>
    quantileWithCi(
      [...xs].sort((a, b) => a - b),
      0.95,
    )?.estimate ?? 0;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return [...services]
    .map((service) => {
      const us = perTrace.map((t) => t.waits.get(service) ?? 0);
      const shares = perTrace.map((t, i) => (t.duration > 0 ? us[i]! / t.duration : 0));
      return { service, meanShare: mean(shares), p95Share: q95(shares), meanUs: mean(us), p95Us: q95(us), traces: us.filter((x) => x > 0).length };
    })
    .sort((a, b) => b.meanShare - a.meanShare || a.service.localeCompare(b.service));
}

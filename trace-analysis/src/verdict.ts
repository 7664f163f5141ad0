/**
 * Many analysed traces → one verdict: which service and operation to look at first, and why, in a
 * sentence a learner can act on. Pure functions.
 */
import { quantileWithCi } from './statistics.js';
import type { TraceAnalysis } from './analysis.js';
import { operationKey, type Operation, type OperationCategory } from './spans.js';
import type { Culprit, OperationStats, ShareStats, Verdict, VerdictOptions } from './verdict-types.js';
import { formatMs } from './format.js';
import { withRuntimeFindings } from './runtime-verdict.js';
import { withOddInstance } from './instance-verdict.js';
import { calleeWaitStats } from './callee-waits.js';
import { lockWaitSummary } from './db-waits.js';
import { intermittentLockWait, lockAdvice } from './lock-verdict.js';

export type { Culprit, OperationStats, ServiceStats, ShareStats, Verdict, VerdictOptions } from './verdict-types.js';

/**
 * Percentiles by nearest rank (the ⌈n·q⌉-th smallest value), the estimate the lab's
 * quantileWithCi gives, so the detective and the sampling lab report the same p50 and p95.
 */
function stats(values: number[]): ShareStats {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => quantileWithCi(sorted, p)?.estimate ?? 0;
  return { p50: q(0.5), p95: q(0.95), mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0 };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** "gateway's", "payments'". */
const owner = (service: string) => (service.endsWith('s') ? `${service}'` : `${service}'s`);

/** The operation in words, as the subject of a sentence about its time or its errors. */
function describe(op: Pick<Operation, 'service' | 'operation' | 'target' | 'category'>, about: 'time' | 'errors'): string {
  const target = op.target ?? op.operation;
  switch (op.category) {
    case 'outside':
      return `${owner(op.service)} call to ${target} (an outside API)`;
    case 'hop':
      return about === 'time'
        ? `the time around ${owner(op.service)} call to ${target} that neither service spent working (the network, and each side's event loop getting to it)`
        : `${owner(op.service)} call to ${target}`;
    case 'pool':
      return `${owner(op.service)} ${op.operation} (requests queued for one of the pool's connections)`;
    case 'query':
      return `${owner(op.service)} query "${target}"`;
    case 'handler':
      return about === 'time'
        ? `the code of ${op.service} ${op.operation} itself (time in none of its child spans)`
        : `${op.service} ${op.operation}`;
    case 'client':
      return `${owner(op.service)} ${op.operation} call${op.target ? ` to ${op.target}` : ''}`;
    default:
      return `${owner(op.service)} step "${op.operation}"`;
  }
}

const ADVICE: Readonly<Record<OperationCategory, string>> = {
  outside: 'speed up or time out that call first',
  hop: 'look at the CPU and event-loop delay of both processes (and the network) first',
  pool: "size that pool for the load first (Little's law: requests per second × the call's latency)",
  query: 'look at that query first (EXPLAIN ANALYZE: its plan, indexes and locks)',
  handler: 'profile that handler first (CPU work, and awaits that have no span of their own)',
  client: 'look at that call first',
  internal: 'look at what that step waits on first',
};

/** Per key, each trace's share (0 where the trace does not have it). */
function shareTable<T>(traces: TraceAnalysis[], entries: (t: TraceAnalysis) => Array<{ key: string; item: T; share: number }>) {
  const table = new Map<string, { item: T; shares: number[] }>();
  traces.forEach((t, i) => {
    for (const { key, item, share } of entries(t)) {
      const row = table.get(key) ?? { item, shares: new Array<number>(traces.length).fill(0) };
      row.shares[i] = (row.shares[i] ?? 0) + share;
      table.set(key, row);
    }
  });
  return [...table.values()];
}

/** The most frequent value (ties: the first seen). */
function mostFrequent<T>(items: T[], key: (x: T) => string): { item: T; n: number } | undefined {
  const counts = new Map<string, { item: T; n: number }>();
  for (const item of items) {
    const k = key(item);
    const c = counts.get(k) ?? { item, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  return [...counts.values()].reduce<{ item: T; n: number } | undefined>((best, c) => (!best || c.n > best.n ? c : best), undefined);
}

export function verdict(traces: TraceAnalysis[], options: VerdictOptions = {}): Verdict {
  const withRuntime = withRuntimeFindings(spanVerdict(traces, options), options.runtime ?? []);
  // Replicas last: which instance of the service, once the verdict has said which service and why.
  return withOddInstance(
    withRuntime,
    traces.flatMap((t) => t.served ?? []),
    options.instances,
  );
}

/** The verdict from the spans alone. */
function spanVerdict(traces: TraceAnalysis[], options: VerdictOptions): Verdict {
  const count = traces.length;
  const failedTraces = traces.filter((t) => t.failed);
  const failureRate = count ? failedTraces.length / count : 0;
  const services = shareTable(traces, (t) => t.onPath.services.map((s) => ({ key: s.service, item: s.service, share: s.share })))
    .map(({ item, shares }) => ({ service: item, ...stats(shares) }))
    .sort((a, b) => b.mean - a.mean || a.service.localeCompare(b.service));
  const operations: OperationStats[] = shareTable(traces, (t) =>
    t.onPath.operations.map(({ us: _us, share, ...op }) => ({ key: operationKey(op), item: op as Operation, share })),
  )
    .map(({ item, shares }) => ({ ...item, ...stats(shares) }))
    .sort((a, b) => b.mean - a.mean);
  const calleeWaits = calleeWaitStats(traces);
  const base = { count, failed: failedTraces.length, failureRate, services, operations, calleeWaits };
  if (count === 0) {
    return { ...base, culprit: undefined, sentence: 'No traces to judge: send some requests (or widen the search) and ask again.' };
  }
  const over = `over ${plural(count, 'trace')}`;

  // (a) Errors first: a request that fails is worse than a slow one, whatever the latency says.
  const minFailureRate = options.minFailureRate ?? 0.05;
  if (failedTraces.length > 0 && failureRate >= minFailureRate) {
    const top = mostFrequent(
      failedTraces.map((t) => t.errorOrigin!),
      (o) => operationKey(o),
    )!;
    const origin = top.item;
    const share = top.n / count;
    return {
      ...base,
      culprit: { service: origin.service, operation: origin.operation, ...(origin.target ? { target: origin.target } : {}), share, kind: 'errors' },
      sentence:
        `${failedTraces.length} of ${plural(count, 'trace')} failed (${pct(failureRate)}), ${top.n} of them starting at ` +
        `${describe(origin, 'errors')}${origin.errorType ? ` with ${origin.errorType}` : ''} (${pct(share)} of all traces): fix that error first, before any latency.`,
    };
  }

  // (b) Independent reads made one after the other: the cheapest big win (make them concurrent).
  const sequential = traces.filter((t) => t.sequentialReads);
  const seqShare = (t: TraceAnalysis) => (t.duration > 0 ? t.sequentialReads!.us / t.duration : 0);
  const meanSeq = sequential.reduce((a, t) => a + seqShare(t), 0) / (sequential.length || 1);
  if (sequential.length * 2 >= count && meanSeq >= 0.25) {
    const top = mostFrequent(sequential, (t) => `${t.sequentialReads!.parent.service}\u0000${t.sequentialReads!.operation}`)!;
    const reads = top.item.sequentialReads!;
    const savable = sequential.reduce((a, t) => a + t.sequentialReads!.savable, 0) / sequential.length;
    const savableShare = sequential.reduce((a, t) => a + (t.duration > 0 ? t.sequentialReads!.savable / t.duration : 0), 0) / sequential.length;
    return {
      ...base,
      culprit: { service: reads.parent.service, operation: reads.operation, share: meanSeq, kind: 'sequential' },
      sentence:
        `${reads.parent.service} ${reads.operation} calls ${reads.targets.join(' and then ')} one after the other in ` +
        `${sequential.length} of ${plural(count, 'trace')}, ${pct(meanSeq)} of the request on average; the reads do not depend on each other, ` +
        `so made concurrently (Promise.all) they would save about ${formatMs(savable)} a request (${pct(savableShare)}).`,
    };
  }

  // (c) Every round trip to one service's database slow: its statements together hold most of the
  // path, and even BEGIN and COMMIT, which do no work, take about as long as its real queries.
  // Then no single query's plan is the problem; the way to the database is (distance, a saturated
  // server), and the fix is there or in making fewer round trips.
  const roundTrips = databaseRoundTrips(operations);
  if (roundTrips) {
    const { service, top, share, noWork } = roundTrips;
    return {
      ...base,
      culprit: { service, operation: top.operation, ...(top.target ? { target: top.target } : {}), share, kind: 'database' },
      sentence:
        `${owner(service)} statements to its database are ${pct(share)} of the critical path ${over}, and even ` +
        `${noWork.map((o) => o.target ?? o.operation).join(' and ')}, which do no work, take ${pct(noWork.reduce((a, o) => a + o.mean, 0) / noWork.length)} each: ` +
        `every round trip is slow, not one query; look at the way to ${owner(service)} database (distance, a saturated server) or make fewer round trips.`,
    };
  }

  // (d) A called service slow to start its requests: its process is stopped, starved of CPU or
  // behind a full listen queue. Its own spans start late and look ordinary, so no operation stands
  // out for it (the wait is the caller's client span's, a "hop"): the gap names it.
  // It takes the place of a hop (the same time, less precisely placed) or of "nothing stands out",
  // never of an operation that holds more of the path.
  const stalled = calleeWaits[0];
  const top = operations[0];
  const minShare = options.minShare ?? 0.2;
  if (
    stalled &&
    stalled.meanShare >= (options.minStallShare ?? 0.08) &&
    stalled.p95Us >= (options.minStallMs ?? 20) * 1000 &&
    (!top || top.category === 'hop' || top.mean < minShare || top.mean <= stalled.meanShare)
  ) {
    return {
      ...base,
      culprit: { service: stalled.service, operation: 'requests waiting to start', share: stalled.meanShare, kind: 'stalled' },
      sentence:
        `${stalled.service} started its requests ${formatMs(stalled.meanUs)} after they were sent on average (p95 ${formatMs(stalled.p95Us)}), ` +
        `${pct(stalled.meanShare)} of the critical path (p95 ${pct(stalled.p95Share)}) ${over}, before any span of its own: ` +
        `its process is not getting CPU or its listen queue is full. ${stallAdvice(stalled.service)}`,
    };
  }

  // (e) Latency: the single operation holding most of the critical path, and its service. Not the
  // service first: a service that makes many cheap round trips (balance: two transactions per
  // payment) would hide one expensive query elsewhere that is the thing to fix.
  const op = operations[0];
  const service = op && services.find((s) => s.service === op.service);
  if (!op || !service) return { ...base, culprit: undefined, sentence: `No critical path to judge ${over} (every trace took 0 µs).` };
  // A healthy request spends its time in many small steps; naming the largest of them "the
  // bottleneck" would send a learner to optimise noise.
  const minLockWaitShare = options.minLockWaitShare ?? 0.5;
  if (op.mean < minShare) {
    const intermittent = intermittentLockWait(traces, operations, minLockWaitShare);
    if (intermittent) {
      const { op: locked, lockWait } = intermittent;
      const lockedService = services.find((s) => s.service === locked.service);
      return {
        ...base,
        culprit: latencyCulprit(locked, lockWait),
        sentence:
          `${describe(locked, 'time')} is ${pct(locked.mean)} of the critical path on average but ${pct(locked.p95)} at p95 ` +
          `(p50 ${pct(locked.p50)}) ${over}: only some requests meet it, and those spend most of their time there ` +
          `(${locked.service} as a whole: ${pct(lockedService?.mean ?? 0)}): ${lockAdvice(lockWait)}`,
      };
    }
    return {
      ...base,
      culprit: undefined,
      sentence:
        `No bottleneck stands out ${over}: the largest part of the critical path, ${describe(op, 'time')}, is ${pct(op.mean)} ` +
        `(under ${pct(minShare)}); the time is spread over many steps.`,
    };
  }
  // A query that was slow because it waited for another session's lock: its plan is not the
  // problem, the transaction holding the lock is, and the spans' wait samples say whose it is.
  const lockWait =
    op.category === 'query'
      ? lockWaitSummary(
          traces.flatMap((t) => t.queries ?? []),
          operationKey(op),
        )
      : undefined;
  const onLock = lockWait && lockWait.share >= minLockWaitShare ? lockWait : undefined;
  return {
    ...base,
    culprit: latencyCulprit(op, onLock),
    sentence:
      `${describe(op, 'time')} is ${pct(op.mean)} of the critical path (p50 ${pct(op.p50)}, p95 ${pct(op.p95)}) ${over}, ` +
      `more than any other operation (${service.service} as a whole: ${pct(service.mean)}): ` +
      (onLock ? lockAdvice(onLock) : `${ADVICE[op.category]}.`),
  };
}

/** The culprit of a latency verdict: one operation, and the lock it waited on if that is why. */
const latencyCulprit = (op: OperationStats, lockWait: Culprit['lockWait']): Culprit => ({
  service: op.service,
  operation: op.operation,
  ...(op.target ? { target: op.target } : {}),
  share: op.mean,
  kind: 'latency',
  ...(lockWait ? { lockWait } : {}),
});

/** What to look at when a service starts its requests late. */
const stallAdvice = (service: string) =>
  `Look at ${owner(service)} process first, not at its code: is it stopped or throttled (container CPU limits, a busy machine, ` +
  `a debugger or SIGSTOP), paused by long GC or synchronous work (its event-loop delay), or sent more connections than it accepts (its listen backlog)?`;

/** Statements that only delimit a transaction: their time is the round trip, nothing else. */
const NO_WORK = /^(BEGIN|COMMIT|ROLLBACK)\b/i;

/** The service whose database round trips as such hold the critical path, if one does. */
function databaseRoundTrips(operations: OperationStats[]) {
  const byService = new Map<string, OperationStats[]>();
  for (const o of operations) if (o.category === 'query') byService.set(o.service, [...(byService.get(o.service) ?? []), o]);
  for (const [service, queries] of byService) {
    const share = queries.reduce((a, o) => a + o.mean, 0);
    const top = queries[0]!; // operations are sorted by mean share
    const noWork = queries.filter((o) => NO_WORK.test(o.target ?? ''));
    const noWorkMean = noWork.reduce((a, o) => a + o.mean, 0) / (noWork.length || 1);
    if (share >= 0.5 && noWork.length > 0 && noWorkMean >= top.mean / 2) return { service, top, share, noWork };
  }
  return undefined;
}

/** The verdict on one trace. */
export const verdictForTrace = (analysis: TraceAnalysis): Verdict => verdict([analysis]);

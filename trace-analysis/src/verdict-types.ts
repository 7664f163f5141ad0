/** The verdict's shapes (verdict.ts decides them): shares of the critical path, the culprit, the options. */
import type { Operation } from './spans.js';
import type { RuntimeFinding } from './runtime-verdict.js';
import type { CalleeWait } from './callee-waits.js';
import type { LockWaitSummary } from './db-waits.js';
import type { InstanceFinding, InstanceOptions } from './instance-verdict.js';

export interface ShareStats {
  /** Share of each trace's critical path (0..1), a trace without it counting 0. */
  p50: number;
  p95: number;
  mean: number;
}

export interface ServiceStats extends ShareStats {
  service: string;
}

export interface OperationStats extends ShareStats, Operation {}

export interface Culprit {
  service: string;
  operation: string;
  target?: string;
  /** latency: its mean critical-path share; errors: the share of all traces failing there; sequential: the calls' mean share of the request. */
  share: number;
  /**
   * runtime: named from its metrics (a stalled event loop, a saturated pool); share is then that service's mean share of the critical path.
   * stalled: a called service slow to start its requests (hop waits); share is the mean share of the critical path spent waiting for it.
   */
  kind: 'latency' | 'errors' | 'sequential' | 'database' | 'runtime' | 'stalled';
  /** A query culprit whose spans mostly waited on a lock: on what, and who held it (from the spans' wait samples). */
  lockWait?: LockWaitSummary;
  /** The one instance of the service (service.instance.id, e.g. `balance-2`) that stands out from its siblings. */
  instance?: string;
}

export interface Verdict {
  count: number;
  failed: number;
  failureRate: number;
  /** By mean share, largest first. */
  services: ServiceStats[];
  operations: OperationStats[];
  /** Per called service, the critical-path time spent waiting for it to start requests; largest first. */
  calleeWaits: CalleeWait[];
  culprit: Culprit | undefined;
  sentence: string;
  /** The runtime findings the verdict was given (VerdictOptions.runtime), when there were any. */
  runtime?: RuntimeFinding[];
  /** One instance of a service that stands out from its siblings (replicas), with every instance's figures. */
  instance?: InstanceFinding;
}

export interface VerdictOptions {
  /** The failure rate from which errors, not latency, are the verdict (default 0.05). */
  minFailureRate?: number;
  /** The mean share of the critical path from which one operation is a bottleneck (default 0.2). */
  minShare?: number;
  /**
   * A called service is named as stalled (slow to start its requests: client span start → its
   * server span start) when the wait for it is at least this mean share of the critical path
   * (default 0.08; healthy, up to 6% for balance, called twice a payment) …
   */
  minStallShare?: number;
  /** … and its p95 at least this many ms a request (default 20; healthy, a few ms: short reads wait 11% of their path for payments at a p95 of 7 ms). */
  minStallMs?: number;
  /** Services named from their runtime metrics (e.g. @paytrace/metrics-analysis's runtimeFindings(…).findings). */
  runtime?: readonly RuntimeFinding[];
  /** The share of a query culprit's time spent waiting on a lock from which the verdict is about the lock (default 0.5). */
  minLockWaitShare?: number;
  /** When one instance of a replicated service is named (instance-verdict.ts). */
  instances?: InstanceOptions;
}

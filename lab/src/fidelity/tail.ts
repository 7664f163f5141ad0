/** Fidelity under tail sampling: which traces the policy keeps, and whether each is whole, absent, or split between Collectors. */
import type { JaegerClient, TraceSpan } from '@paytrace/trace-analysis';
import type { PaymentAttempt } from './verify.js';
import type { Problem } from './check.js';
import { forEachLimited, settledPaymentTrace } from './settled-trace.js';

/** The resource attribute each sampling Collector of the tier stamps (telemetry/collector-tier/sampler.yaml). */
export const COLLECTOR_NAME_ATTRIBUTE = 'paytrace.collector.name';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;
/** The tail_sampling processor's default salt for its probabilistic policy (hash_salt unset). */
const DEFAULT_HASH_SALT = 'default-hash-seed';

/**
 * Does the tail_sampling processor's probabilistic policy (v0.160.0, without the usetracestate
 * feature gate) keep this trace at `percent`? The same computation: FNV-1a 64 over the salt and the
 * trace id's 16 bytes, kept when at most MaxUint64 × percent/100. Every Collector decides the same,
 * so a test can tell "dropped by the policy" from "lost".
 */
export function tailBaselineKeeps(traceId: string, percent: number, salt = DEFAULT_HASH_SALT): boolean {
  if (!/^[0-9a-f]{32}$/.test(traceId)) throw new Error(`not a trace id: ${traceId}`);
  const hash = fnv1a64(Buffer.concat([Buffer.from(salt, 'utf8'), Buffer.from(traceId, 'hex')]));
  // MaxUint64 × ratio, with the ratio in parts per billion (exact for any percent with ≤ 7 decimals).
  const threshold = (MASK_64 * BigInt(Math.round(percent * 1e7))) / 1_000_000_000n;
  return hash <= threshold;
}

/** FNV-1a, 64 bits (Go's hash/fnv New64a). */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = FNV_OFFSET;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return hash;
}

export interface TailReport {
  /** Successful, SDK-sampled payments checked (the SDKs sample 100 % here). */
  checked: number;
  /** The policy keeps it, and Jaeger has it whole: one tree of its own request. */
  kept: number;
  /** The policy drops it, and Jaeger has none of it. */
  dropped: number;
  /** The policy keeps it, Jaeger has some of it but not all (or not well formed). */
  broken: number;
  /** The policy keeps it, Jaeger has none of it. */
  lost: number;
  /** The policy drops it, yet Jaeger has spans of it. */
  keptAgainstPolicy: number;
  /** Traces in Jaeger whose spans came through more than one sampling Collector. */
  split: number;
  /** Spans per sampling Collector that forwarded them (its `paytrace.collector.name`). */
  spansByCollector: Record<string, number>;
  /** Every broken or lost trace's id (the policy keeps it, Jaeger has not all of it). */
  unwhole: string[];
  /** The first few broken or lost traces, for failure messages. */
  examples: Array<{ traceId: string; what: 'broken' | 'lost' | 'kept against policy'; problems: Problem[] }>;
}

export interface TailVerifyOptions {
  /** OTELCOL_TAIL_BASELINE_PERCENT of the Collectors (the only policy that may keep a trace here). */
  baselinePercent: number;
  /** How long spans may take to reach Jaeger (decision wait, queues); default 30 s. */
  settleTimeoutMs?: number;
  toleranceUs?: number;
}

/**
 * Checks every successful payment's trace against the tail policy's decision: a kept one must be
 * whole in Jaeger, a dropped one absent. The test must make the baseline the only policy that can
 * keep a trace (no errors, a slow threshold above any payment's duration).
 */
export async function verifyTailSampled(jaeger: JaegerClient, attempts: PaymentAttempt[], options: TailVerifyOptions): Promise<TailReport> {
  const report: TailReport = {
    checked: 0,
    kept: 0,
    dropped: 0,
    broken: 0,
    lost: 0,
    keptAgainstPolicy: 0,
    split: 0,
    spansByCollector: {},
    unwhole: [],
    examples: [],
  };
  const payments = attempts.filter((a) => a.status === 201 && a.traceId && a.paymentId);
  const deadline = Date.now() + (options.settleTimeoutMs ?? 30_000);
  const count = (spans: TraceSpan[]) => {
    const names = new Set<string>();
    for (const s of spans) {
      const name = String(s.resource?.[COLLECTOR_NAME_ATTRIBUTE] ?? 'unnamed');
      names.add(name);
      report.spansByCollector[name] = (report.spansByCollector[name] ?? 0) + 1;
    }
    if (names.size > 1) report.split++;
  };
  const example = (traceId: string, what: TailReport['examples'][number]['what'], problems: Problem[]) => {
    if (report.examples.length < 5) report.examples.push({ traceId, what, problems });
  };

  const kept = payments.filter((a) => tailBaselineKeeps(a.traceId!, options.baselinePercent));
  const dropped = payments.filter((a) => !tailBaselineKeeps(a.traceId!, options.baselinePercent));
  report.checked = payments.length;
  await forEachLimited(kept, 8, async (a) => {
    const { spans, problems, worst } = await settledPaymentTrace(
      jaeger,
      { traceId: a.traceId!, paymentId: a.paymentId! },
      { deadline, ...(options.toleranceUs === undefined ? {} : { toleranceUs: options.toleranceUs }) },
    );
    count(spans);
    if (spans.length === 0) {
      report.lost++;
      report.unwhole.push(a.traceId!);
      example(a.traceId!, 'lost', []);
    } else if (worst) {
      report.broken++;
      report.unwhole.push(a.traceId!);
      example(a.traceId!, 'broken', problems);
    } else report.kept++;
  });
  await forEachLimited(dropped, 8, async (a) => {
    const spans = (await jaeger.getTrace(a.traceId!)) ?? [];
    if (spans.length === 0) report.dropped++;
    else {
      count(spans);
      report.keptAgainstPolicy++;
      example(a.traceId!, 'kept against policy', []);
    }
  });
  return report;
}

/** One line: the counts a note can quote. */
export function formatTailReport(r: TailReport): string {
  const collectors = Object.entries(r.spansByCollector)
    .sort()
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  return (
    `payments ${r.checked}: kept whole ${r.kept}, dropped ${r.dropped}, broken ${r.broken}, lost ${r.lost}, ` +
    `kept against policy ${r.keptAgainstPolicy}; split across samplers ${r.split}; spans by sampler: ${collectors}`
  );
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT } from '../ports.js';

/** What one k6 run of loadtest/payments.js measured. */
export interface K6Result {
  requests: number;
  achievedRps: number;
  p50: number;
  p95: number;
  p99: number;
  /** k6's time waiting for the answer (TTFB) of successful payments: the ground truth for the trace estimate. */
  waiting: { p50: number; p95: number; p99: number };
  /**
   * The same, split by the sampled flag of the gateway's `traceresponse` header: are the requests
   * a sample keeps typical of all of them? (null: none of that kind, e.g. with the SDK off.)
   */
  waitingBySampling: Record<'sampled' | 'unsampled', WaitingStats | null>;
  errorRate: number;
  droppedIterations: number;
}

export interface WaitingStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface K6RunOptions {
  /** The k6 binary (ensureTool('k6')). */
  k6: string;
  gatewayUrl: string;
  rate: number;
  seconds: number;
  /** Where k6 writes its JSON summary. */
  summaryPath: string;
  /** loadtest/payments.js's p99 threshold (ms); default: the script's own. */
  p99ObjectiveMs?: number;
}

/** Runs loadtest/payments.js at a constant arrival rate and reads its summary. */
export async function runK6(options: K6RunOptions): Promise<K6Result> {
  const env = {
    PAYTRACE_URL: options.gatewayUrl,
    RATE: options.rate,
    DURATION: `${options.seconds}s`,
    SUMMARY_PATH: options.summaryPath,
    ...(options.p99ObjectiveMs !== undefined ? { P99_MS: options.p99ObjectiveMs } : {}),
  };
  const result = await execa(
    options.k6,
    ['run', '--quiet', '--no-usage-report', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), join(ROOT, 'loadtest', 'payments.js')],
    {
      reject: false,
      stdin: 'ignore',
    },
  );
  // Exit code 99: thresholds crossed. That is a result to report, not a failure of the lab.
  if (result.exitCode !== 0 && result.exitCode !== 99) throw new Error(`k6 failed (${result.shortMessage}):\n${result.stderr}`);
  return parseK6Summary(JSON.parse(readFileSync(options.summaryPath, 'utf8')) as K6Summary);
}

/** The part of k6's end-of-test summary (handleSummary's data) the lab reads. */
export interface K6Summary {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
}

/** The lab's figures from a k6 summary of loadtest/payments.js. */
export function parseK6Summary(summary: K6Summary): K6Result {
  const m = (name: string) => summary.metrics[name]?.values ?? {};
  const payment = m('http_req_duration{kind:payment}');
  const waiting = m('http_req_waiting{kind:payment}');
  const stats = (name: string): WaitingStats | null => {
    const v = m(name);
    return v.count ? { count: v.count, p50: v.med ?? NaN, p95: v['p(95)'] ?? NaN, p99: v['p(99)'] ?? NaN } : null;
  };
  return {
    requests: m('http_reqs').count ?? 0,
    achievedRps: m('http_reqs').rate ?? 0,
    p50: payment.med ?? NaN,
    p95: payment['p(95)'] ?? NaN,
    p99: payment['p(99)'] ?? NaN,
    waiting: { p50: waiting.med ?? NaN, p95: waiting['p(95)'] ?? NaN, p99: waiting['p(99)'] ?? NaN },
    waitingBySampling: { sampled: stats('payment_waiting_sampled'), unsampled: stats('payment_waiting_unsampled') },
    errorRate: m('http_req_failed').rate ?? 0,
    droppedIterations: m('dropped_iterations').count ?? 0,
  };
}

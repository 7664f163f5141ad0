/** Runs loadtest/payments.js with the user's own k6 and reads its JSON summary as a LoadResult. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT } from '@paytrace/devstack';
import type { LoadRunOptions } from './generator.js';
import type { LoadResult, WaitingStats } from './load-result.js';

/**
 * Runs loadtest/payments.js with the user's own k6 (paytrace installs none: it is AGPL-3.0) at a
 * constant arrival rate and reads its JSON summary (`<name>.json` in the work folder).
 */
export async function runK6(k6: string, options: LoadRunOptions): Promise<LoadResult> {
  const summaryPath = join(options.workDir, `${options.name}.json`);
  const env = {
    PAYTRACE_URL: options.gatewayUrl,
    RATE: options.rate,
    DURATION: `${options.seconds}s`,
    SUMMARY_PATH: summaryPath,
    ...(options.p99ObjectiveMs !== undefined ? { P99_MS: options.p99ObjectiveMs } : {}),
  };
  const run = execa(
    k6,
    ['run', '--quiet', '--no-usage-report', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), join(ROOT, 'loadtest', 'payments.js')],
    { reject: false, stdin: 'ignore' },
  );
  if (run.pid !== undefined) options.onProcess?.(run.pid);
  const result = await run;
  // Exit code 99: thresholds crossed. That is a result to report, not a failure of the run.
  if (result.exitCode !== 0 && result.exitCode !== 99) throw new Error(`k6 failed (${result.shortMessage}):\n${result.stderr}`);
  return parseK6Summary(JSON.parse(readFileSync(summaryPath, 'utf8')) as K6Summary);
}

/** The part of k6's end-of-test summary (handleSummary's data) read here. */
export interface K6Summary {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
}

/** The lab's figures from a k6 summary of loadtest/payments.js. */
export function parseK6Summary(summary: K6Summary): LoadResult {
  const m = (name: string) => summary.metrics[name]?.values ?? {};
  const payment = m('http_req_duration{kind:payment}');
  const waiting = m('http_req_waiting{kind:payment}');
  const stats = (name: string): WaitingStats | null => {
    const v = m(name);
    return v.count ? { count: v.count, p50: v.med ?? NaN, p95: v['p(95)'] ?? NaN, p99: v['p(99)'] ?? NaN } : null;
  };
  return {
    generator: 'k6',
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

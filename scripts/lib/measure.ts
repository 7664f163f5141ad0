import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/**
 * CPU seconds (user + system) used so far by every live process in a process group. Each part
 * of the stack runs in its own group (see startProcess), so Postgres' backends, for instance,
 * count towards Postgres.
 */
export function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may contain spaces: ") state ppid pgrp …".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process ended while we looked
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/**
 * Sums the samples of one Prometheus metric (all label sets), from the text exposition format.
 * Counters are matched with or without the `_total` suffix: Collector releases differ (Jaeger
 * v2.13 embeds an older Collector core that adds it, v0.160 does not).
 */
export function promSum(text: string, metric: string, labelFilter?: (labels: string) => boolean): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!match || (match[1] !== metric && match[1] !== `${metric}_total`)) continue;
    if (labelFilter && !labelFilter(match[3] ?? '')) continue;
    sum += Number(match[4]);
  }
  return sum;
}

export async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/**
 * A distribution-free 95% confidence interval for the q-quantile from a sample, by order
 * statistics: the number of sample points below the true quantile is Binomial(n, q), so the
 * ranks n·q ± 1.96·√(n·q·(1−q)) bracket it (normal approximation to the binomial).
 */
export function quantileWithCi(
  sorted: number[],
  q: number,
): { estimate: number; low: number; high: number; /** false: too few points for a 95% interval */ valid: boolean } | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const half = 1.96 * Math.sqrt(n * q * (1 - q));
  // 1-based ranks of the order statistics.
  const lowRank = Math.floor(n * q - half);
  const highRank = Math.ceil(n * q + half) + 1;
  const at = (rank: number) => sorted[Math.min(n, Math.max(1, rank)) - 1]!;
  return { estimate: at(Math.ceil(n * q)), low: at(lowRank), high: at(highRank), valid: lowRank >= 1 && highRank <= n };
}

/**
 * The fewest sampled points for which quantileWithCi gives a valid 95% interval of the q-quantile:
 * what a sample must hold before it says anything about p99, whatever the sampling rate.
 */
export function minSampleForCi(q: number): number {
  for (let n = 1; n < 1_000_000; n++) {
    const half = 1.96 * Math.sqrt(n * q * (1 - q));
    if (Math.floor(n * q - half) >= 1 && Math.ceil(n * q + half) + 1 <= n) return n;
  }
  return Infinity;
}

export const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

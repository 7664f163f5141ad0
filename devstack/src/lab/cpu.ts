import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: its own CPU and that of its children it has reaped. */
  ticks: number;
  /** The kernel's part of it: stime + cstime. */
  systemTicks: number;
}

function procStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may contain spaces: ") state ppid pgrp …".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      stats.push({ pid: Number(entry), ppid: Number(fields[1]), ticks, systemTicks: Number(fields[12]) + Number(fields[14]) });
    } catch {
      // the process ended while we looked
    }
  }
  return stats;
}

/**
 * CPU seconds (user + system) used so far by a process and all its descendants, those still
 * running and those that ended (a process's reaped children count in its cutime/cstime). So a
 * Postgres postmaster counts with every backend it forked for a connection, even one that closed.
 * `system`: only the time spent in the kernel on their behalf.
 */
export function processTreeCpuSeconds(rootPid: number, part: 'all' | 'system' = 'all'): number {
  const stats = procStats();
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  let ticks = 0;
  const visit = (s: ProcStat) => {
    ticks += part === 'all' ? s.ticks : s.systemTicks;
    for (const child of children.get(s.pid) ?? []) visit(child);
  };
  const root = stats.find((s) => s.pid === rootPid);
  if (root) visit(root);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds of the children this process has started and reaped so far. A child that runs and
 * ends within a window (k6) is measured by this one's growth, as long as no other child ends then.
 */
export function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds the whole machine has been busy (all cores, every process and the kernel). */
export function machineBusyCpuSeconds(): number {
  const [, ...times] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const [user, nice, system, , , irq, softirq, steal] = times.map(Number);
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND;
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

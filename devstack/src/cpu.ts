/** CPU seconds read from /proc: a process tree's, this process's reaped children's, the whole machine's. */
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
 * ends within a window (the load generator) is measured by this one's growth, as long as no other
 * child ends then.
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

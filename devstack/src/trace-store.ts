/** Jaeger's trace store (memstore or badger): which one, its config and bound, its disk, memory and CPU use. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processTreeCpuSeconds } from './cpu.js';
import { ROOT } from './ports.js';

/**
 * Jaeger's trace store, as telemetry/trace-store/<kind>.yaml configures it. `memstore` (the
 * default) keeps traces in memory, bounded by JAEGER_MAX_TRACES; `badger` keeps them on disk
 * across restarts, bounded in time by JAEGER_TRACE_TTL, at several times the CPU per span.
 * docs/trace-store.md has the measurements behind the default.
 */
export const TRACE_STORES = ['memstore', 'badger'] as const;
export type TraceStoreKind = (typeof TRACE_STORES)[number];
export const DEFAULT_TRACE_STORE: TraceStoreKind = 'memstore';

/** The store JAEGER_TRACE_STORAGE names (default memstore); anything else is an error, said once at start. */
export function traceStoreFrom(env: NodeJS.ProcessEnv = process.env): TraceStoreKind {
  const value = env.JAEGER_TRACE_STORAGE ?? DEFAULT_TRACE_STORE;
  if (!(TRACE_STORES as readonly string[]).includes(value)) {
    throw new Error(`JAEGER_TRACE_STORAGE must be one of ${TRACE_STORES.join(', ')} (was ${value})`);
  }
  return value as TraceStoreKind;
}

/** Jaeger's command-line configuration: telemetry/jaeger.yaml and the store's file. */
export const jaegerConfigArgs = (kind: TraceStoreKind): string[] => [
  '--config',
  join(ROOT, 'telemetry', 'jaeger.yaml'),
  '--config',
  join(ROOT, 'telemetry', 'trace-store', `${kind}.yaml`),
];

/**
 * A `${env:NAME:-default}` default of a trace-store file: the bound the store has unless the
 * environment sets another (so the banner says what the file says, not a copy of it).
 */
export function configDefault(kind: TraceStoreKind, variable: string): string | undefined {
  const text = readFileSync(join(ROOT, 'telemetry', 'trace-store', `${kind}.yaml`), 'utf8');
  return new RegExp(`\\$\\{env:${variable}:-([^}]*)\\}`).exec(text)?.[1];
}

/** What bounds the store, in words: from the environment, else the file's default. */
export function traceStoreBound(kind: TraceStoreKind, env: NodeJS.ProcessEnv = process.env): string {
  return kind === 'memstore'
    ? `at most ${env.JAEGER_MAX_TRACES ?? configDefault(kind, 'JAEGER_MAX_TRACES')} traces, then the oldest go; gone on restart`
    : `spans deleted ${env.JAEGER_TRACE_TTL ?? configDefault(kind, 'JAEGER_TRACE_TTL')} after they arrive; kept across restarts`;
}

/** Disk space a folder takes, in bytes: blocks in use (Badger's value log starts as a sparse 1 GiB file). */
export function diskBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) * 1024;
}

/** Resident memory of a process, in bytes (0 once it has ended). */
export function residentBytes(pid: number): number {
  try {
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return rss ? Number(rss[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** 1234567 → "1.2 MB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) [bytes, i] = [bytes / 1000, i + 1];
  return `${bytes.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** What the store costs now: Jaeger's CPU so far, its memory, and for Badger its folder. */
export interface TraceStoreUsage {
  cpuSeconds: number;
  residentBytes: number;
  diskBytes: number | undefined;
}

/** Reads the store's usage from /proc and the disk: `jaegerPid` is Jaeger's process. */
export function traceStoreUsage(store: { dir: string | undefined }, jaegerPid: number): TraceStoreUsage {
  return {
    cpuSeconds: processTreeCpuSeconds(jaegerPid),
    residentBytes: residentBytes(jaegerPid),
    diskBytes: store.dir ? diskBytes(store.dir) : undefined,
  };
}

/** One line on the store between two readings `seconds` apart: its share of a core, memory and disk. */
export function traceStoreStatusLine(kind: TraceStoreKind, before: TraceStoreUsage, now: TraceStoreUsage, seconds: number): string {
  const core = ((now.cpuSeconds - before.cpuSeconds) / seconds) * 100;
  const disk = now.diskBytes === undefined ? '' : `, ${formatBytes(now.diskBytes)} on disk`;
  return `trace store (${kind}): Jaeger ${core.toFixed(1)}% of a core over the last ${seconds.toFixed(0)} s, ${formatBytes(now.residentBytes)} resident${disk}`;
}

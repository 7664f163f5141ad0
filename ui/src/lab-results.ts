/**
 * The sampling lab's results as the UI reads them: the newest sampling-lab.json (by its own
 * `meta.created`) in the given folders or one folder down, e.g. loadtest/results/ (a lab run's
 * --out) and loadtest/reference-run/ (the committed run). Only the fields the page shows are typed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LabConfiguration {
  id: string;
  label: string;
  achieved_rps: number;
  latency_ms: { p50: number; p95: number; p99: number };
  error_rate: number;
  dropped_iterations: number;
  cpu_ms_per_request: { services: number; counted: number; machine: number };
  ratio_to_baseline: { p99: number; cpu_ms_per_request: { services: number; counted: number; machine: number } };
  traces_stored: number;
  max_throughput_rps?: number;
}

export interface LabResult {
  meta: { rate: number; durationS: number; rounds: number; created: string; machine?: { cpus: number; node: string } };
  configurations: LabConfiguration[];
  targets: Array<{ target: string; measured: string; met: boolean }>;
}

export interface LabFound {
  result: LabResult;
  /** The folder it is in; its chart, when there is one, is sampling-lab.svg beside it. */
  dir: string;
  chart: string | undefined;
}

const FILE = 'sampling-lab.json';

function candidates(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const below = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(dir, e.name));
  return [dir, ...below].filter((d) => existsSync(join(d, FILE)));
}

function read(dir: string): LabFound | undefined {
  try {
    const result = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as LabResult;
    if (!Array.isArray(result.configurations) || typeof result.meta?.created !== 'string') return undefined;
    const chart = join(dir, 'sampling-lab.svg');
    return { result, dir, chart: existsSync(chart) && statSync(chart).isFile() ? chart : undefined };
  } catch {
    return undefined; // a half-written or foreign file is not a result
  }
}

/** The newest result in `dirs`, or undefined when there is none. */
export function latestLabResult(dirs: readonly string[]): LabFound | undefined {
  const found = dirs.flatMap(candidates).flatMap((d) => read(d) ?? []);
  return found.sort((a, b) => Date.parse(b.result.meta.created) - Date.parse(a.result.meta.created))[0];
}

/**
 * The sampling lab's results as the UI reads them: the newest sampling-lab.json (by its own
 * `meta.created`) in the given folders or one folder down, e.g. loadtest/results/ (a lab run's
 * --out) and loadtest/reference-run/ (the committed run).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SamplingLabJson } from '@paytrace/loadtest/sampling-lab-json';

/** The file as the lab writes it (@paytrace/loadtest/sampling-lab-json). */
export type LabResult = SamplingLabJson;

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

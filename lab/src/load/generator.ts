/** The load generators (Vegeta, the user's k6): find one, and run the traffic mix with it at a constant arrival rate. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UsageError, ensureTool } from '@paytrace/devstack';
import { runK6 } from './k6.js';
import type { GeneratorName, LoadResult } from './load-result.js';
import { runVegeta } from './vegeta.js';

export const GENERATORS: readonly GeneratorName[] = ['vegeta', 'k6'];
/** The project's own, pinned and installed by scripts/install-tools.sh (MIT). */
export const DEFAULT_GENERATOR: GeneratorName = 'vegeta';

/** A load generator ready to run: which one, and its binary. */
export interface LoadGenerator {
  name: GeneratorName;
  binary: string;
}

/** What every generator's run takes. */
export interface LoadRunOptions {
  gatewayUrl: string;
  /** Arrivals per second, whatever the answers. */
  rate: number;
  seconds: number;
  /** A scratch folder for the run's files; `<name>.json` (its figures) stays there. */
  workDir: string;
  name: string;
  /** Called with the generator's process id once it runs, e.g. to read its CPU from /proc. */
  onProcess?: (pid: number) => void;
  /** k6 only: loadtest/payments.js's p99 threshold (ms); default the script's own. */
  p99ObjectiveMs?: number;
}

/** A command's path on the PATH, if it is there and executable. */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `--generator`'s value, checked. */
export function parseGeneratorName(text: string): GeneratorName {
  if ((GENERATORS as readonly string[]).includes(text)) return text as GeneratorName;
  throw new UsageError(`--generator must be one of ${GENERATORS.join(', ')}, not "${text}"`);
}

/**
 * The generator to run: Vegeta is installed (pinned) on first use; k6 must be the user's own, on
 * the PATH, because paytrace never downloads or builds it (k6 is AGPL-3.0).
 */
export function loadGenerator(name: GeneratorName): LoadGenerator {
  if (name === 'vegeta') return { name, binary: ensureTool('vegeta') };
  const k6 = findOnPath('k6');
  if (!k6) {
    throw new UsageError(
      '--generator k6: no k6 on the PATH. paytrace does not install k6 (it is AGPL-3.0, see loadtest/README.md): install it yourself, or leave out --generator to use vegeta',
    );
  }
  return { name, binary: k6 };
}

/** Sends the traffic mix (loadtest/traffic-mix.js) at `rate` for `seconds` and measures it. */
export function runLoad(generator: LoadGenerator, options: LoadRunOptions): Promise<LoadResult> {
  return generator.name === 'k6' ? runK6(generator.binary, options) : runVegeta(generator.binary, options);
}

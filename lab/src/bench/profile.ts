/** bench:profile as a function (runProfile): the services under load with --cpu-prof, per configuration, rounds alternating. */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../load/generator.js';
import { SERVICES } from '@paytrace/devstack';
import { startBenchStack, type BenchStack } from './bench-stack.js';
import { attribute, type CpuProfile } from './profile-attribution.js';

export interface ProfileConfig {
  name: string;
  env: Record<string, string>;
}

export interface ProfileOptions {
  configs: ProfileConfig[];
  rate: number;
  durationS: number;
  /** Unprofiled load before the profiled window, so the JIT has settled (see bench:steady-state). */
  warmupS: number;
  /** Rounds, configurations alternating (A B C A B C …), summed: drift hits all alike. */
  rounds: number;
  /** Where the profiles go (emptied first). */
  outDir: string;
}

/** One configuration's profile: CPU ms per owner and per telemetry function, and the requests made. */
export interface Profiled {
  name: string;
  env: Record<string, string>;
  requests: number;
  byOwner: Map<string, number>;
  telemetrySelf: Map<string, number>;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function profileOnce(stack: BenchStack, config: ProfileConfig, round: number, options: ProfileOptions): Promise<Profiled> {
  const dir = join(options.outDir, config.name, `round-${round}`);
  mkdirSync(dir, { recursive: true });
  const services = await stack.startServices({
    env: config.env,
    nodeArgs: (service) => ['--cpu-prof', `--cpu-prof-dir=${join(dir, service)}`],
  });
  const load = async (seconds: number, name: string) =>
    (await runLoad(stack.generator, { gatewayUrl: services.urls.gateway, rate: options.rate, seconds, workDir: dir, name })).requests;
  const loadWindow = { from: 0, to: 0 };
  let requests = 0;
  try {
    if (options.warmupS > 0) await load(options.warmupS, 'load-warmup');
    loadWindow.from = nowUs();
    requests = await load(options.durationS, 'load');
    loadWindow.to = nowUs();
  } finally {
    await services.stop(); // SIGTERM: each service exits normally and writes its profile
  }
  const byOwner = new Map<string, number>();
  const telemetrySelf = new Map<string, number>();
  for (const service of SERVICES) {
    const file = readdirSync(join(dir, service)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`${service} wrote no profile in ${join(dir, service)}`);
    for (const [who, ms] of attribute(JSON.parse(readFileSync(join(dir, service, file), 'utf8')) as CpuProfile, loadWindow, telemetrySelf)) {
      if (who !== '(idle)') byOwner.set(who, (byOwner.get(who) ?? 0) + ms);
    }
  }
  return { name: config.name, env: config.env, requests, byOwner, telemetrySelf };
}

const addInto = (into: Map<string, number>, from: Map<string, number>) => {
  for (const [key, ms] of from) into.set(key, (into.get(key) ?? 0) + ms);
};

/**
 * Where the services' CPU goes under load, per package, for each configuration: the four services
 * under `node --cpu-prof` on a private stack, the traffic mix at a fixed rate (Vegeta), every CPU
 * sample taken while the load ran attributed to the package that owns it (profile-attribution.ts).
 */
export async function runProfile(options: ProfileOptions): Promise<Profiled[]> {
  rmSync(options.outDir, { recursive: true, force: true });
  const results: Profiled[] = options.configs.map((c) => ({ name: c.name, env: c.env, requests: 0, byOwner: new Map(), telemetrySelf: new Map() }));
  const stack = await startBenchStack('profile');
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const [i, config] of options.configs.entries()) {
        const once = await profileOnce(stack, config, round, options);
        results[i]!.requests += once.requests;
        addInto(results[i]!.byOwner, once.byOwner);
        addInto(results[i]!.telemetrySelf, once.telemetrySelf);
      }
    }
  } finally {
    await stack.stop();
  }
  return results;
}

/**
 * `npm run bench:profile`: where the services' CPU goes under load, per package, for one or more
 * configurations side by side. It starts the whole stack privately (Postgres, stripe-mock,
 * Collector, Jaeger), and for each configuration in turn runs the four services under
 * `node --cpu-prof`, warms them up, runs k6 at a fixed rate, stops them (each writes its V8
 * profile on exit) and attributes every CPU sample taken while k6 ran (start-up, warm-up and
 * shutdown left out) to the package that owns it: the innermost frame that is not Node.js itself,
 * so the `node:` internals a package calls count towards it.
 *
 *   npm run bench:profile                                  # the SDK on, sampling 100%
 *   npm run bench:profile -- --env OTEL_TRACES_SAMPLER_ARG=0 --env OTEL_TRACES_SAMPLER=parentbased_traceidratio
 *   npm run bench:profile -- --config off:OTEL_SDK_DISABLED=true --config ratio-0:OTEL_TRACES_SAMPLER_ARG=0 \
 *       --config ratio-0.01:OTEL_TRACES_SAMPLER_ARG=0.01 --rate 100 --duration 30 --functions
 *
 * A --config is name:KEY=value[,KEY=value]; with --config the sampler is parentbased_traceidratio
 * unless set. --env applies to every configuration. --rounds N alternates the configurations N
 * times and adds the rounds up (run order matters: a later run on the same stack is a little
 * slower). Profiles stay in loadtest/results/profiles/<configuration>/round-<n>/<service>/ for
 * Chrome DevTools or speedscope.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { startBenchStack } from './bench-stack.js';
import { parseAssignments, parseNamedAssignments } from '../lib/env-assignments.js';
import { SERVICES } from '../lib/services.js';
import { ROOT } from '../lib/stack-settings.js';

const { values: args } = parseArgs({
  options: {
    env: { type: 'string', multiple: true, default: [] },
    config: { type: 'string', multiple: true, default: [] },
    rate: { type: 'string', default: '60' },
    duration: { type: 'string', default: '20' },
    // Unprofiled load before the profiled window, so the JIT has settled (see bench:steady-state).
    warmup: { type: 'string', default: '20' },
    // Rounds, configurations alternating (A B C A B C …), summed: drift hits all alike.
    rounds: { type: 'string', default: '1' },
    top: { type: 'string', default: '12' },
    // Also list the functions of the telemetry packages with the most self time.
    functions: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'loadtest', 'results', 'profiles') },
  },
});
const extraEnv: Record<string, string> = Object.assign({}, ...args.env!.map(parseAssignments));
const configs = args.config!.length
  ? args.config!.map((spec) => {
      const { name, env } = parseNamedAssignments(spec);
      return { name, env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', ...extraEnv, ...env } as Record<string, string> };
    })
  : [{ name: 'profile', env: extraEnv }];

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  /** Microseconds of the monotonic clock, as process.hrtime. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The owner of a frame: a package name, `app` (paytrace's own dist/), a V8 pseudo-frame, or null for Node.js internals. */
function owner(url: string, functionName: string): string | null {
  // V8's pseudo-frames: (garbage collector), (program), (idle); (root) is Node.js itself (libuv callbacks).
  if (!url) return functionName.startsWith('(') && functionName !== '(root)' ? functionName : null;
  if (url.startsWith('node:')) return null;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return url.includes(ROOT) || url.startsWith('file://') ? 'app (paytrace)' : null;
}

/** Milliseconds of CPU per owner: each sample goes to the innermost frame with an owner. */
function attribute(profile: CpuProfile, window: { from: number; to: number }, selfTime: Map<string, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = cache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const own = owner(node.callFrame.url, node.callFrame.functionName);
    const p = parent.get(id);
    const result = own ?? (p !== undefined ? ownerOf(p) : 'node (internals)');
    cache.set(id, result);
    return result;
  };
  const ms = new Map<string, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.from || at > window.to) return;
    const who = ownerOf(id);
    ms.set(who, (ms.get(who) ?? 0) + delta / 1000);
    const frame = byId.get(id)!.callFrame;
    if (isTelemetry(owner(frame.url, frame.functionName) ?? '')) {
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.slice(frame.url.lastIndexOf('/node_modules/') + 14)}`;
      selfTime.set(key, (selfTime.get(key) ?? 0) + delta / 1000);
    }
  });
  return ms;
}

const isTelemetry = (who: string) => /^@opentelemetry\/|^@fastify\/otel$|in-the-middle$|^shimmer$|^protobufjs$/.test(who);

const run = promisify(execFile);
rmSync(args.out!, { recursive: true, force: true });
const stack = await startBenchStack('profile');
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const k6Run = async (gateway: string, seconds: number, summary: string) => {
  await run(stack.k6, ['run', '--quiet', '--no-usage-report', '-e', `PAYTRACE_URL=${gateway}`, '-e', `RATE=${args.rate}`, '-e', `DURATION=${seconds}s`, '-e', `SUMMARY_PATH=${summary}`, join(ROOT, 'loadtest', 'payments.js')]).catch(
    (err: { code?: number }) => {
      if (err.code !== 99) throw err; // 99: thresholds crossed, still a profile
    },
  );
  return (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: { http_reqs: { values: { count: number } } } }).metrics.http_reqs.values.count;
};

/** One configuration's profile: CPU ms per owner and telemetry function, and the requests made. */
async function profileOnce(config: { name: string; env: Record<string, string> }, round: number) {
  const dir = join(args.out!, config.name, `round-${round}`);
  mkdirSync(dir, { recursive: true });
  const services = await stack.startServices({
    env: config.env,
    nodeArgs: (service) => ['--cpu-prof', `--cpu-prof-dir=${join(dir, service)}`],
  });
  const loadWindow = { from: 0, to: 0 };
  let requests = 0;
  try {
    if (Number(args.warmup) > 0) await k6Run(services.urls.gateway, Number(args.warmup), join(dir, 'k6-warmup.json'));
    loadWindow.from = nowUs();
    requests = await k6Run(services.urls.gateway, Number(args.duration), join(dir, 'k6-summary.json'));
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

type Profiled = Awaited<ReturnType<typeof profileOnce>>;
const results: Profiled[] = configs.map((c) => ({ name: c.name, env: c.env, requests: 0, byOwner: new Map(), telemetrySelf: new Map() }));
const addInto = (into: Map<string, number>, from: Map<string, number>) => {
  for (const [key, ms] of from) into.set(key, (into.get(key) ?? 0) + ms);
};
try {
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const [i, config] of configs.entries()) {
      const once = await profileOnce(config, round);
      results[i]!.requests += once.requests;
      addInto(results[i]!.byOwner, once.byOwner);
      addInto(results[i]!.telemetrySelf, once.telemetrySelf);
    }
  }
} finally {
  await stack.stop();
}

// ---- report: CPU ms per request, per owner, one column per configuration ----------------------
const perRequest = (r: (typeof results)[number], ms: number) => ms / Math.max(1, r.requests);
const busy = (r: (typeof results)[number]) => [...r.byOwner.values()].reduce((a, b) => a + b, 0);
const telemetry = (r: (typeof results)[number]) => [...r.byOwner].filter(([who]) => isTelemetry(who)).reduce((a, [, ms]) => a + ms, 0);
for (const r of results) {
  const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(' ') || '(defaults: SDK on, parentbased_always_on)';
  console.log(`${r.name}: ${env}; ${r.requests} requests at ${args.rate} req/s after ${args.warmup} s of warm-up, ${args.rounds} round(s)`);
}
const owners = new Map<string, number>();
for (const r of results) for (const [who, ms] of r.byOwner) owners.set(who, Math.max(owners.get(who) ?? 0, perRequest(r, ms)));
const cols = results.map((r) => r.name);
console.log(`\nCPU ms per request, by the package that owns the code\n\n| owner | ${cols.join(' | ')} |\n| --- |${cols.map(() => ' ---: |').join('')}`);
for (const [who] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
  console.log(`| ${who}${isTelemetry(who) ? ' (telemetry)' : ''} | ${results.map((r) => perRequest(r, r.byOwner.get(who) ?? 0).toFixed(3)).join(' | ')} |`);
}
console.log(`| **all (busy)** | ${results.map((r) => perRequest(r, busy(r)).toFixed(3)).join(' | ')} |`);
console.log(`| of which telemetry packages | ${results.map((r) => `${perRequest(r, telemetry(r)).toFixed(3)} (${((telemetry(r) / busy(r)) * 100).toFixed(1)}%)`).join(' | ')} |`);
console.log(`\nprofiles: ${args.out}/<configuration>/round-<n>/<service>/*.cpuprofile`);
if (args.functions) {
  const fns = new Map<string, number>();
  for (const r of results) for (const [fn, ms] of r.telemetrySelf) fns.set(fn, Math.max(fns.get(fn) ?? 0, perRequest(r, ms)));
  console.log(`\n| telemetry function (self time, ms per request) | ${cols.join(' | ')} |\n| --- |${cols.map(() => ' ---: |').join('')}`);
  for (const [fn] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`| ${fn} | ${results.map((r) => perRequest(r, r.telemetrySelf.get(fn) ?? 0).toFixed(3)).join(' | ')} |`);
}

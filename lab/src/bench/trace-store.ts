/** bench:trace-store as a function: Jaeger's CPU per payment, disk and memory, per way of running its trace store. */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  processTreeCpuSeconds,
  freeStackPorts,
  ROOT,
  fetchText,
  promSum,
  resetData,
  startStack,
  startTelemetryPipeline,
  type TelemetryPipeline,
  diskBytes,
  formatBytes,
} from '@paytrace/devstack';
import { JaegerClient, median } from '@paytrace/trace-analysis';
import { openLoad, summarise } from '../load/open-load.js';

/** A way to run Jaeger's trace store: telemetry/jaeger.yaml's variables. */
export interface TraceStoreVariant {
  name: string;
  /** What it is, for the report. */
  about: string;
  env: Record<string, string>;
}

/**
 * The variants `npm run bench:trace-store` compares by default. `badger-self-traced` is the stack
 * as issue 20 found it: Badger, and Jaeger tracing its own queries into the Collector in front of
 * it (natively its tracer's default endpoint, localhost:4317, was our Collector).
 */
export const TRACE_STORE_VARIANTS: readonly TraceStoreVariant[] = [
  {
    name: 'badger-self-traced',
    about: 'before: Badger on disk, Jaeger tracing itself into the pipeline',
    env: { JAEGER_TRACE_STORAGE: 'badger', JAEGER_SELF_TRACING: 'true' },
  },
  { name: 'badger', about: 'Badger on disk, self-tracing off', env: { JAEGER_TRACE_STORAGE: 'badger' } },
  { name: 'memstore', about: 'in memory, bounded by JAEGER_MAX_TRACES', env: { JAEGER_TRACE_STORAGE: 'memstore' } },
];

export interface TraceStoreBenchOptions {
  variants: readonly TraceStoreVariant[];
  /** Payments per second (open model, the load accounts). */
  rate: number;
  /** Load per round, seconds; read in slices of `sliceS`. */
  durationS: number;
  sliceS: number;
  rounds: number;
  /** Searches of the last minute's traces per second during the load (the web UI's list, the detective): reads cost too. */
  readsPerS: number;
  /** After the load: wait this long, then read Jaeger's idle CPU over `idleS`. */
  idleAfterS: number;
  idleS: number;
}

/** One slice of load on one variant. */
export interface StoreSlice {
  payments: number;
  /** Spans Jaeger accepted in the slice (its receiver's counter). */
  spans: number;
  jaegerCpuS: number;
}

/** One round of one variant. */
export interface StoreRound {
  slices: StoreSlice[];
  p50Ms: number;
  p99Ms: number;
  /** Jaeger's CPU seconds in the `idleAfterS` right after the load stopped (a flush, compactions). */
  afterLoadCpuS: number;
  /** Jaeger's share of one core, `idleAfterS` after the load stopped. */
  idleCore: number;
  /** Bytes on disk (Badger's directory), and Jaeger's resident memory, after the round. */
  diskBytes: number;
  rssBytes: number;
}

/**
 * Runs every variant `rounds` times, alternating (A B C A B C …), on one private stack: Postgres,
 * stripe-mock and one Collector + Jaeger per variant, each variant's store kept across its rounds
 * (so a store fills as it would in use). Each round starts fresh services exporting to that
 * variant's Collector, drives `rate` payments/s for `durationS`, reads Jaeger's CPU each slice,
 * then its CPU at rest.
 */
export async function runTraceStoreBench(
  options: TraceStoreBenchOptions,
  progress: (line: string) => void = () => undefined,
): Promise<Map<string, StoreRound[]>> {
  const dataRoot = join(ROOT, '.data', 'bench-trace-store');
  rmSync(dataRoot, { recursive: true, force: true });
  const stack = await startStack({
    ports: await freeStackPorts(),
    postgres: { dataDir: join(dataRoot, 'postgres'), fresh: true },
    telemetry: false,
  });
  const pipelines = new Map<string, TelemetryPipeline>();
  const results = new Map<string, StoreRound[]>();
  try {
    for (const variant of options.variants) {
      const ports = await freeStackPorts();
      const selfTraced = variant.env.JAEGER_SELF_TRACING === 'true';
      const pipeline = await startTelemetryPipeline({
        ports,
        onLine: () => undefined,
        dataDir: join(dataRoot, variant.name),
        // A self-traced Jaeger exports to its own pipeline's Collector, as natively it did to ours.
        jaegerEnv: { ...variant.env, ...(selfTraced ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlpGrpc}` } : {}) },
      });
      pipelines.set(variant.name, pipeline);
      results.set(variant.name, []);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of options.variants) {
        const pipeline = pipelines.get(variant.name)!;
        await resetData(stack.databaseUrl);
        const services = await stack.startServices({
          env: { LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.otlpEndpoint },
          onLine: () => undefined,
        });
        const jaegerCpu = () => processTreeCpuSeconds(pipeline.jaeger.pid);
        const acceptedSpans = async () => promSum(await fetchText(pipeline.jaegerMetricsUrl), 'otelcol_receiver_accepted_spans');
        let load: Awaited<ReturnType<typeof openLoad>>;
        const slices: StoreSlice[] = [];
        try {
          const sent = openLoad({ gatewayUrl: services.urls.gateway, ratePerSecond: options.rate, durationMs: options.durationS * 1000 });
          const reads = readWhile(sent, new JaegerClient(pipeline.jaegerUrl), options.readsPerS);
          let [cpu, spans] = [jaegerCpu(), await acceptedSpans()];
          for (let t = options.sliceS; t <= options.durationS; t += options.sliceS) {
            await sleep(options.sliceS * 1000);
            const [cpuNow, spansNow] = [jaegerCpu(), await acceptedSpans()];
            slices.push({ payments: options.rate * options.sliceS, spans: spansNow - spans, jaegerCpuS: cpuNow - cpu });
            [cpu, spans] = [cpuNow, spansNow];
          }
          load = await sent;
          await reads;
        } finally {
          await services.stop();
        }
        const loadEnd = jaegerCpu();
        await sleep(options.idleAfterS * 1000);
        const idleFrom = jaegerCpu();
        await sleep(options.idleS * 1000);
        const idleCore = (jaegerCpu() - idleFrom) / options.idleS;
        const paid = summarise(
          'paid',
          load.filter((r) => r.status === 201),
        );
        const metrics = await fetchText(pipeline.jaegerMetricsUrl);
        const r: StoreRound = {
          slices,
          p50Ms: paid.p50Ms,
          p99Ms: paid.p99Ms,
          afterLoadCpuS: idleFrom - loadEnd,
          idleCore,
          diskBytes: diskBytes(join(dataRoot, variant.name, 'jaeger')),
          rssBytes: promSum(metrics, 'otelcol_process_memory_rss_bytes'),
        };
        results.get(variant.name)!.push(r);
        const perPayment = r.slices.map((s) => ((s.jaegerCpuS * 1000) / s.payments).toFixed(2));
        progress(
          `round ${round + 1} ${variant.name}: Jaeger ${perPayment.join(' ')} ms/payment, ${r.afterLoadCpuS.toFixed(2)} s in the ${options.idleAfterS} s after, then ${(idleCore * 100).toFixed(1)}% of a core; p50 ${r.p50Ms.toFixed(0)} p99 ${r.p99Ms.toFixed(0)} ms; ${formatBytes(r.diskBytes)} on disk, ${formatBytes(r.rssBytes)} resident`,
        );
      }
    }
  } finally {
    for (const pipeline of pipelines.values()) await pipeline.stop();
    await stack.stop();
    mkdirSync(dataRoot, { recursive: true });
  }
  return results;
}

/** Searches the last minute's payments `perS` times a second until `until` settles, like a reader of the UI. */
async function readWhile(until: Promise<unknown>, jaeger: JaegerClient, perS: number): Promise<void> {
  if (perS <= 0) return;
  const state = { done: false };
  void until.finally(() => (state.done = true));
  while (!state.done) {
    const now = Date.now();
    await jaeger.searchTraces({ service: 'gateway', operation: 'POST /process-payment', fromMs: now - 60_000, toMs: now, limit: 50 });
    await sleep(1000 / perS);
  }
}

/** The table: per variant, Jaeger's CPU per payment and per span, at rest, latency and size. */
export function traceStoreReport(results: Map<string, StoreRound[]>, options: TraceStoreBenchOptions): string[] {
  const baseline = options.variants[0]!.name;
  const summary = (rounds: StoreRound[]) => {
    const slices = rounds.flatMap((r) => r.slices);
    const cpu = slices.reduce((s, x) => s + x.jaegerCpuS, 0);
    return {
      msPerPayment: (cpu * 1000) / slices.reduce((s, x) => s + x.payments, 0),
      usPerSpan: (cpu * 1e6) / slices.reduce((s, x) => s + x.spans, 0),
      after: median(rounds.map((r) => r.afterLoadCpuS)),
      idle: median(rounds.map((r) => r.idleCore)),
      p50: median(rounds.map((r) => r.p50Ms)),
      p99: median(rounds.map((r) => r.p99Ms)),
      last: rounds.at(-1)!,
    };
  };
  const base = summary(results.get(baseline)!);
  const lines = [
    `\nJaeger's trace store at ${options.rate} payments/s, ${options.rounds} × ${options.durationS} s per variant (alternating); after: its CPU in the ${options.idleAfterS} s after the load; at rest: the ${options.idleS} s after that (medians of rounds; disk and memory after the last round)\n`,
    '| variant | Jaeger CPU ms/payment | µs/span | × ' + baseline + ' | after, CPU s | at rest, % of a core | p50 ms | p99 ms | disk | resident |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const variant of options.variants) {
    const s = summary(results.get(variant.name)!);
    lines.push(
      `| ${variant.name} | ${s.msPerPayment.toFixed(2)} | ${s.usPerSpan.toFixed(0)} | ${(s.msPerPayment / base.msPerPayment).toFixed(2)} | ${s.after.toFixed(2)} | ${(s.idle * 100).toFixed(1)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${formatBytes(s.last.diskBytes)} | ${formatBytes(s.last.rssBytes)} |`,
    );
  }
  lines.push('', ...options.variants.map((v) => `- ${v.name}: ${v.about}`));
  return lines;
}

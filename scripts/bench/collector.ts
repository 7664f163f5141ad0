/**
 * `npm run bench:collector`: spans per second per Collector of the compose `scale` profile (the
 * routing tier, a tail-sampling Collector), beside the single Collector and Jaeger (memstore,
 * Badger), each held to one core (GOMAXPROCS=1), fed by telemetrygen at rising rates until it
 * takes no more. Per step: the spans it accepted and refused (its own metrics), its CPU (/proc)
 * and the generator's, and so the spans per CPU-second. The sizing table of docs/scale.md.
 * Steps go on until the process refuses spans or saturates its core (or the rates run out: on a
 * small machine the generator may need more CPU than is left to feed it).
 *
 *   npm run bench:collector
 *   npm run bench:collector -- --variant routing --variant sampling --rates 5000,20000,0 --seconds 10
 *
 * A rate of 0 is telemetrygen unthrottled: as fast as the measured process takes spans.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import {
  ensureTool,
  fetchText,
  freePort,
  positiveInteger,
  processTreeCpuSeconds,
  reapedChildrenCpuSeconds,
  promSum,
  runCli,
  startProcess,
  UsageError,
  waitForHttp,
  type ManagedProcess,
} from '@paytrace/devstack';
import { BENCH_VARIANTS, writeSinkConfig, type BenchPorts, type BenchVariant } from './collector-variants.js';

const USAGE =
  'usage: npm run bench:collector -- [--variant single|routing|sampling|jaeger-memstore|jaeger-badger …] [--rates 5000,10000,20000] [--seconds 10]';

// Every knob of the load in one place.
/** Spans a trace: a payment's trace here has about 36 (docs/trace-store.md). */
const SPANS_PER_TRACE = 36;
/** Generator goroutines; each sends its share of the rate. */
const WORKERS = 8;
/** Spans a request: the SDK's batch, as the services' BatchSpanProcessor sends up to 512. */
const BATCH_SIZE = 1000;
/** Attributes on every span, so spans weigh about what the services' do (a dozen small ones). */
const SPAN_ATTRIBUTES = [
  'http.request.method="POST"',
  'http.route="/payments"',
  'http.response.status_code=201',
  'url.scheme="http"',
  'server.address="gateway"',
  'server.port=8080',
  'network.protocol.version="1.1"',
  'user_agent.original="vegeta"',
  'paytrace.account="acct_0042"',
  'paytrace.amount_cents=1250',
];
/** Beyond this many cores the measured process (held to one) is saturated: no higher rate is tried. */
const SATURATED_CORES = 0.95;

interface Step {
  variant: string;
  offered: number | 'max';
  acceptedPerSecond: number;
  refusedPerSecond: number;
  sentPerSecond: number;
  cores: number;
  generatorCores: number;
  spansPerCpuSecond: number;
}

const spansIn = async (p: BenchPorts) => {
  const text = await fetchText(`http://127.0.0.1:${p.metrics}/metrics`);
  const otlp = (labels: string) => labels.includes('receiver="otlp"');
  return {
    accepted: promSum(text, 'otelcol_receiver_accepted_spans', otlp),
    refused: promSum(text, 'otelcol_receiver_refused_spans', otlp),
    // What its traces pipeline handed on: to the sink, the routing ring, or Jaeger's store.
    sent: promSum(text, 'otelcol_exporter_sent_spans'),
  };
};

async function step(variant: BenchVariant, measured: ManagedProcess, p: BenchPorts, rate: number, seconds: number): Promise<Step> {
  const before = await spansIn(p);
  const cpuBefore = processTreeCpuSeconds(measured.pid);
  const generatorBefore = reapedChildrenCpuSeconds();
  const started = performance.now();
  const generator = execa(
    ensureTool('telemetrygen'),
    [
      'traces',
      '--otlp-endpoint',
      `127.0.0.1:${p.otlpGrpc}`,
      '--otlp-insecure',
      '--workers',
      String(WORKERS),
      // telemetrygen's rate is spans a second per worker (each span waits for its turn).
      '--rate',
      String(rate / WORKERS),
      '--child-spans',
      String(SPANS_PER_TRACE - 1),
      '--duration',
      `${seconds}s`,
      // Requests of BATCH_SIZE spans (its default, 100, makes the generator the bottleneck).
      '--batch-size',
      String(BATCH_SIZE),
      '--allow-export-failures',
      '--service',
      'bench',
      ...SPAN_ATTRIBUTES.flatMap((a) => ['--telemetry-attributes', a]),
    ],
    { reject: false, stdin: 'ignore' },
  );
  const finished = await generator;
  if (finished.exitCode !== 0) throw new Error(`telemetrygen failed: ${finished.stderr.split('\n').slice(-5).join('\n')}`);
  // Spans still in the receiver's hands arrive within a moment; count them with the step.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const elapsed = (performance.now() - started) / 1000;
  const after = await spansIn(p);
  const cpu = processTreeCpuSeconds(measured.pid) - cpuBefore;
  // telemetrygen has ended and been reaped: its CPU is in ours (the sink and the measured process run on).
  const generatorCpu = reapedChildrenCpuSeconds() - generatorBefore;
  const accepted = after.accepted - before.accepted;
  return {
    variant: variant.name,
    offered: rate === 0 ? 'max' : rate,
    acceptedPerSecond: accepted / seconds,
    refusedPerSecond: (after.refused - before.refused) / seconds,
    sentPerSecond: (after.sent - before.sent) / seconds,
    cores: cpu / elapsed,
    generatorCores: generatorCpu / seconds,
    spansPerCpuSecond: accepted / cpu,
  };
}

async function measure(variant: BenchVariant, rates: number[], seconds: number): Promise<Step[]> {
  const dir = mkdtempSync(join(tmpdir(), `paytrace-bench-${variant.name}-`));
  const names = [
    'otlpGrpc',
    'otlpHttp',
    'health',
    'metrics',
    'sinkGrpc',
    'sinkHttp',
    'sinkHealth',
    'sinkMetrics',
    'query',
    'queryGrpc',
    'pprof',
  ] as const;
  const p = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()] as const))) as unknown as BenchPorts;
  const started: ManagedProcess[] = [];
  const quiet = (name: string) => (line: string) => process.env.PAYTRACE_BENCH_LOGS && console.log(`${name}| ${line}`);
  try {
    if (variant.sink) {
      const sink = startProcess({ name: 'sink', command: ensureTool('otelcol'), args: ['--config', writeSinkConfig(dir, p)], onLine: quiet('sink') });
      started.push(sink);
      await waitForHttp(`http://127.0.0.1:${p.sinkHealth}/`);
    }
    const measured = startProcess({
      name: variant.name,
      command: ensureTool(variant.tool),
      args: variant.args(dir, p),
      // One core: GOMAXPROCS bounds the Go scheduler's threads running Go code at once.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, GOMAXPROCS: '1', ...variant.env(dir, p) },
      onLine: quiet(variant.name),
    });
    started.push(measured);
    await waitForHttp(variant.healthUrl(p), { timeoutMs: 60_000, process: measured });
    const steps: Step[] = [];
    for (const rate of rates) {
      const result = await step(variant, measured, p, rate, seconds);
      steps.push(result);
      console.error(`${variant.name} ${rate || 'max'}: ${Math.round(result.acceptedPerSecond)} spans/s, ${result.cores.toFixed(2)} cores`);
      if (result.refusedPerSecond > 0 || result.cores > SATURATED_CORES) break;
    }
    return steps;
  } finally {
    for (const process of started.reverse()) await process.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (s: Step) =>
  `| ${s.variant} | ${s.offered} | ${Math.round(s.acceptedPerSecond)} | ${Math.round(s.refusedPerSecond)} | ${Math.round(s.sentPerSecond)} | ${s.cores.toFixed(2)} | ${Math.round(s.spansPerCpuSecond)} | ${s.generatorCores.toFixed(2)} |`;

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    options: {
      variant: { type: 'string', multiple: true, default: [] },
      rates: { type: 'string', default: '5000,10000,20000' },
      seconds: { type: 'string', default: '10' },
    },
  });
  const variants = args.variant.length === 0 ? BENCH_VARIANTS : args.variant.map((name) => BENCH_VARIANTS.find((v) => v.name === name));
  if (variants.some((v) => !v)) throw new UsageError(`--variant is one of ${BENCH_VARIANTS.map((v) => v.name).join(', ')}`);
  const rates = args.rates.split(',').map((r) => (r === '0' ? 0 : positiveInteger('rates', r)));
  const seconds = positiveInteger('seconds', args.seconds);
  const steps: Step[] = [];
  for (const variant of variants as BenchVariant[]) steps.push(...(await measure(variant, rates, seconds)));
  console.log(
    `${seconds} s a step, the measured process at GOMAXPROCS=1, ${SPANS_PER_TRACE} spans a trace, telemetrygen ×${WORKERS} workers (OTLP/gRPC).\n`,
  );
  for (const variant of variants as BenchVariant[]) console.log(`- ${variant.name}: ${variant.what}`);
  console.log(
    '\n| variant | offered spans/s | accepted spans/s | refused spans/s | sent on spans/s | its cores | spans per CPU-second | generator cores |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of steps) console.log(row(s));
});

/**
 * `npm run stack`: the whole paytrace stack on this machine, natively, in dependency order:
 * Postgres → stripe-mock → Jaeger → OpenTelemetry Collector → auth, balance, payments →
 * gateway → the web UI (startStack of @paytrace/devstack). Streams every log line prefixed with
 * its source, prints where everything is, and stops it all on Ctrl-C, whenever it comes.
 *
 *   npm run stack                 # data kept in .data/postgres between runs
 *   npm run stack -- --reset      # start from the seed data
 *   DATABASE_URL=postgres://… npm run stack   # use your own Postgres instead
 *   npm run stack -- --stripe-latency-ms 320  # Stripe as far away as the real one
 *   npm run stack -- --trace-store badger     # traces on disk (.data/telemetry/jaeger), kept across restarts
 *   npm run stack -- --clear-traces           # empty the on-disk trace store first
 *   npm run stack -- --collectors 2           # a Collector tier: a router, 2 tail-sampling Collectors
 *                                             # (npm run tier -- add|remove|kill changes it; docs/collector-tier.md)
 *   npm run stack -- --replicas balance=2     # balance as 2 processes (balance-1, balance-2) behind a load balancer on its port
 *
 * Jaeger keeps traces in memory by default (memstore, JAEGER_MAX_TRACES); JAEGER_TRACE_STORAGE=badger
 * is the same as --trace-store badger. While Jaeger is busy, a line a minute says what it costs.
 *
 * The bottleneck detective's fault switches (flags/paytrace.flagd.json) are live: `npm run fault`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  parseReplicas,
  prefixer,
  positiveInteger,
  positiveNumber,
  serveTierRequests,
  ROOT,
  runCli,
  stackPorts,
  startStack,
  traceStoreFrom,
  traceStoreStatusLine,
  traceStoreUsage,
  UsageError,
  type Stack,
} from '@paytrace/devstack';
import { REPO_FLAG_FILE } from '@paytrace/faults';
import { stackBanner } from '@paytrace/devstack/banner';

const USAGE =
  'usage: npm run stack -- [--reset] [--stripe-latency-ms MS] [--trace-store memstore|badger] [--clear-traces] [--collectors N] [--replicas SERVICE=N[,…]]';

/** How often the trace store's cost is said, while Jaeger is busy (at least 1% of a core). */
const TRACE_STORE_STATUS_EVERY_S = 60;

await runCli(USAGE, async () => {
  const { values: args } = parseArgs({
    options: {
      reset: { type: 'boolean', default: false },
      'stripe-latency-ms': { type: 'string', default: '0' },
      'trace-store': { type: 'string' },
      'clear-traces': { type: 'boolean', default: false },
      collectors: { type: 'string' },
      replicas: { type: 'string', multiple: true },
    },
  });
  const replicas = parseReplicas(args.replicas ?? []);
  let traceStorage: ReturnType<typeof traceStoreFrom>;
  try {
    traceStorage = traceStoreFrom(args['trace-store'] ? { JAEGER_TRACE_STORAGE: args['trace-store'] } : process.env);
  } catch (err) {
    throw new UsageError((err as Error).message.replace('JAEGER_TRACE_STORAGE', '--trace-store (or JAEGER_TRACE_STORAGE)'));
  }
  const telemetryDir = join(ROOT, '.data', 'telemetry');
  if (args['clear-traces']) rmSync(join(telemetryDir, 'jaeger'), { recursive: true, force: true });
  const collectors = args.collectors === undefined ? undefined : positiveInteger('collectors', args.collectors);
  const stripeLatencyMs = positiveNumber('stripe-latency-ms', args['stripe-latency-ms'], { allowZero: true });
  const ports = stackPorts();
  const startedAt = performance.now();
  const say = prefixer('stack');
  const loggers = new Map<string, (line: string) => void>();
  const logFor = (name: string) => loggers.get(name) ?? loggers.set(name, prefixer(name)).get(name)!;

  // Ctrl-C may come at any moment: while the stack starts, it stops what it has started (the part
  // starting too) and starts nothing more; once it runs, it all stops.
  const stop = new AbortController();
  let starting: Promise<Stack> | undefined;
  let stopServingTier: (() => void) | undefined;
  const stopAll = async (code: number): Promise<never> => {
    if (!stop.signal.aborted) {
      say('stopping: ui, services, collector, jaeger, stripe-mock, postgres…');
      stop.abort();
      stopServingTier?.(); // no stale pid for `npm run tier` to signal
      await starting?.then(
        (stack) => stack.stop(),
        () => undefined,
      );
      say('stopped');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => {
    void stopAll(0);
  });
  process.on('SIGTERM', () => {
    void stopAll(0);
  });

  const external = process.env.DATABASE_URL;
  say(external ? 'using DATABASE_URL (your Postgres)' : `starting postgres on 127.0.0.1:${ports.postgres} (data in .data/postgres)`);
  if (stripeLatencyMs > 0) say(`Stripe answers ${stripeLatencyMs} ms late (through a proxy in front of stripe-mock)`);
  let stack: Stack;
  try {
    starting = startStack({
      ports,
      postgres: external ? { url: external } : { dataDir: join(ROOT, '.data', 'postgres') },
      resetData: args.reset,
      stripeLatencyMs,
      faults: { flagFile: REPO_FLAG_FILE },
      // The Collector's queue (and Jaeger's traces, on Badger) are kept between runs, like Postgres's data.
      // --collectors N: the Collector tier (tail sampling always on in its samplers).
      telemetry: { dataDir: telemetryDir, jaegerEnv: { JAEGER_TRACE_STORAGE: traceStorage }, ...(collectors ? { collectors } : {}) },
      services: { replicas },
      ui: {
        // A go-built Jaeger has no UI; set this when you run one that has (the trace page links to it).
        ...(process.env.PAYTRACE_UI_JAEGER_UI_URL ? { jaegerUiUrl: process.env.PAYTRACE_UI_JAEGER_UI_URL } : {}),
        flagFile: REPO_FLAG_FILE,
        labDirs: [join(ROOT, 'loadtest', 'results'), join(ROOT, 'loadtest', 'reference-run')],
        env: { LOG_LEVEL: 'warn' },
      },
      signal: stop.signal,
      onLine: (source, line) => logFor(source)(line),
    });
    stack = await starting;
  } catch (err) {
    if (stop.signal.aborted) return new Promise<never>(() => undefined); // stopped while starting: stopAll exits
    say(`failed to start: ${(err as Error).message}`);
    return stopAll(1);
  }
  if (args.reset) say('data reset to the seed');
  if (args['clear-traces']) say('trace store cleared');
  console.log(stackBanner(stack, (performance.now() - startedAt) / 1000, { uiUrl: stack.ui!.url }));
  // `npm run tier -- add|remove|kill` from another terminal (samplers are not in processes(): one may go).
  if (stack.pipeline!.tier) stopServingTier = serveTierRequests(stack.pipeline!.tier, telemetryDir, say);
  // A part that dies takes the stack down with it, loudly, rather than leaving half a stack.
  for (const proc of stack.processes()) {
    void proc.exited.then((code) => {
      if (stop.signal.aborted) return;
      say(`${proc.name} exited (code ${code}); stopping the stack`);
      void stopAll(1);
    });
  }
  // What the trace store costs, said while Jaeger works (a quiet stack says nothing).
  const { traceStore, jaeger } = stack.pipeline!;
  let last = traceStoreUsage(traceStore, jaeger.pid);
  setInterval(() => {
    const now = traceStoreUsage(traceStore, jaeger.pid);
    if (now.cpuSeconds - last.cpuSeconds >= 0.01 * TRACE_STORE_STATUS_EVERY_S) {
      say(traceStoreStatusLine(traceStore.kind, last, now, TRACE_STORE_STATUS_EVERY_S));
    }
    last = now;
  }, TRACE_STORE_STATUS_EVERY_S * 1000).unref();
  await new Promise(() => undefined); // runs until Ctrl-C
});

/** What `npm run stack` prints once it is up (stackBanner): the URLs, the trace store, the faults on, what to try. */
import { currentFaults, isOff, openMysteryRound, readFlagFile, scopedInstances } from '@paytrace/faults';
import type { Stack } from './stack.js';
import { formatBytes, traceStoreBound, traceStoreUsage } from './trace-store.js';

/** The trace store: which, where, how big now, what bounds it, and the switch to the other. */
function traceStoreLines(stack: Stack): string {
  const { traceStore, jaeger } = stack.pipeline!;
  const usage = traceStoreUsage(traceStore, jaeger.pid);
  const where = traceStore.dir ? `in ${traceStore.dir.replace(process.cwd() + '/', '')} (${formatBytes(usage.diskBytes ?? 0)} on disk)` : 'in memory';
  const other = traceStore.kind === 'memstore' ? '--trace-store badger keeps traces on disk across restarts' : '--clear-traces empties it';
  return `  traces      ${traceStore.kind}, ${where}: ${traceStoreBound(traceStore.kind)}
              Jaeger ${formatBytes(usage.residentBytes)} resident; its CPU and size every minute it is busy (npm run stack -- ${other})`;
}

/** The Collector tier, when there is one: the router and each sampler, and how to change the ring. */
function tierLines(stack: Stack): string {
  const tier = stack.pipeline!.tier;
  if (!tier) return '';
  const samplers = tier.samplers.map((s) => `              ${s.name.padEnd(10)} OTLP/gRPC ${s.endpoint}  (its own metrics: ${s.metricsUrl})`);
  return `              the router of a Collector tier (load_balancing by trace id; span metrics here), in front of
              ${tier.samplers.length} tail-sampling Collectors → Jaeger (docs/collector-tier.md):
${samplers.join('\n')}
              npm run tier -- add | remove <name> | kill <name>   # change the ring while it runs
`;
}

function faultsLine(stack: Stack): string {
  if (!stack.faults) return '';
  const round = openMysteryRound(stack.faults.flagFile);
  if (round) return `a mystery round is on (seed ${round.seed}), which fault not said`;
  const on = [...currentFaults(stack.faults.flagFile)].filter(([, value]) => !isOff(value)).map(([flag, value]) => `${flag}=${String(value)}`);
  // A fault scoped to some replicas (`--instance`) is off by default and on for them.
  for (const [flag, definition] of Object.entries(readFlagFile(stack.faults.flagFile).flags)) {
    const instances = scopedInstances(definition);
    if (instances) on.push(`${flag}=${String(definition.variants.on)} on ${instances.join(', ')}`);
  }
  return on.length === 0 ? 'none on' : `ON: ${on.join(', ')}`;
}

/** After a replicated service's URL: its balancer's replicas (`--replicas`). */
function replicasNote(stack: Stack, service: 'gateway' | 'auth' | 'balance' | 'payments'): string {
  const ids = stack.services!.instances[service];
  return ids ? `  (a load balancer in front of ${ids.join(', ')}: service.instance.id on every span)` : '';
}

/** What `npm run stack` prints once it is up: where everything is, and what to try. */
export function stackBanner(stack: Stack, startSeconds: number, options: { uiUrl: string }): string {
  const urls = stack.services!.urls;
  const pipeline = stack.pipeline!;
  const gateway = urls.gateway;
  return `
paytrace is up (${startSeconds.toFixed(1)} s). Ctrl-C stops everything.

  ▶ open ${options.uiUrl}   recent payments and the last minute's verdict; each trace as the lesson's Gantt

  gateway     ${gateway}            (the public API; its OpenAPI document: ${gateway}/openapi.json)${replicasNote(stack, 'gateway')}
  auth        ${urls.auth}${replicasNote(stack, 'auth')}
  balance     ${urls.balance}${replicasNote(stack, 'balance')}
  payments    ${urls.payments}${replicasNote(stack, 'payments')}
  stripe-mock http://127.0.0.1:${stack.ports.stripeMock}
  postgres    ${stack.databaseUrl.replace(/\/\/[^@]*@/, '//')}
  collector   ${pipeline.otlpEndpoint}  (OTLP/HTTP; its own metrics: ${pipeline.collectorMetricsUrl})
${tierLines(stack)}  jaeger      ${pipeline.jaegerUrl}  (HTTP API; a go-installed Jaeger has no UI: paytrace's is at ${options.uiUrl})
  prometheus  ${pipeline.prometheusUrl}  (HTTP API: the services' metrics and the span metrics, with exemplars)
${traceStoreLines(stack)}

Try:
  curl -i -X POST ${gateway}/process-payment \\
    -H 'Authorization: Bearer test_key_alice' -H 'Content-Type: application/json' \\
    -H "Idempotency-Key: $(date +%s%N)" \\
    -d '{"amount": 2500, "currency": "usd", "description": "first payment"}'
  curl -s ${gateway}/accounts/me -H 'Authorization: Bearer test_key_alice'

The response's traceresponse header and trace_id name its trace:
  ${options.uiUrl}/trace/<trace_id>       # the trace in your browser: the Gantt, critical path, verdict
  npm run trace -- <trace_id>                            # the trace as a waterfall in this terminal
  curl -s ${pipeline.jaegerUrl}/api/v3/traces/<trace_id> # the trace as OTLP JSON (Jaeger's stable API)

Metrics (from every request, sampled or not):
  curl -s ${pipeline.prometheusUrl}/api/v1/query --data-urlencode \
    'query=sum by (http_route) (rate(http_server_request_duration_seconds_count{service_name="gateway"}[1m]))'

The bottleneck detective (faults: ${faultsLine(stack)}; switches also at ${options.uiUrl}/faults):
  npm run fault                                # every fault switch, its value and what it breaks
  npm run fault -- stripe-latency 300          # break something (applies within a second)
  npm run pause -- auth                        # or starve one service of CPU, 100 ms of every 300, for 30 s
  npm run detective -- --since 30s             # which service to fix first, from the last 30 s of traces and metrics
  npm run fault -- mystery                     # play the detective: a random fault on, which not said
  npm run fault -- off
`;
}

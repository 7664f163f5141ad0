/**
 * @paytrace/devstack: paytrace's development stack as a library. `npm run stack`, `npm test`, the
 * sampling lab, the benchmarks and the integration tests all start what they need through it.
 *
 *   const stack = await startStack({ ports: await freeStackPorts(), postgres: { dataDir, fresh: true },
 *                                    resetData: true, services: {} });
 *   const jaeger = new JaegerClient(stack.pipeline!.jaegerUrl);
 *   …
 *   await stack.stop();
 */
export { startStack, type Stack, type StackOptions, type StackServicesOptions, type StackUiOptions, type LineSink } from './stack.js';
export { startBalancer, type Balancer } from './balancer.js';
export {
  startServices,
  serverEntry,
  serviceEnv,
  replicaInstanceIds,
  parseReplicas,
  MAX_REPLICAS,
  SERVICES,
  type ServiceName,
  type ServicesOptions,
  type RunningServices,
} from './services.js';
export {
  ROOT,
  PORT_VARIABLES,
  stackPorts,
  freeStackPorts,
  freePort,
  portVariables,
  stackDatabaseUrl,
  type StackPorts,
  type PortName,
} from './ports.js';
export { startPostgres, postmasterPid, type PostgresHandle, type StartPostgresOptions } from './postgres.js';
export { startStripeMock } from './stripe-mock.js';
export { startTelemetryPipeline, pipelineEnv, type TelemetryPipeline, type TelemetryPorts } from './telemetry-pipeline.js';
export { parseTierRequest, applyTierRequest, serveTierRequests, sendTierRequest, type TierRequest } from './tier-control.js';
export { startCollectorTier, decisionWaitMs, type CollectorTier, type CollectorTierOptions, type TierSampler } from './collector-tier.js';
export { prometheusArgs } from './metrics-store.js';
export {
  TRACE_STORES,
  DEFAULT_TRACE_STORE,
  traceStoreFrom,
  traceStoreBound,
  configDefault,
  jaegerConfigArgs,
  diskBytes,
  residentBytes,
  formatBytes,
  traceStoreUsage,
  traceStoreStatusLine,
  type TraceStoreKind,
  type TraceStoreUsage,
} from './trace-store.js';
export { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
export {
  startProcess,
  diesWithUs,
  isRunning,
  Lifetime,
  waitFor,
  waitForHttp,
  prefixer,
  type ManagedProcess,
  type Owner,
  type StartOptions,
  type WaitOptions,
} from './processes.js';
export { resetData } from './reset-data.js';
export { checkLedger, ledgerReport, LEDGER_SQL, VIOLATIONS, type LedgerRow, type LedgerReport, type Violation } from './ledger.js';
export { ensureTool, type Tool } from './tools.js';
export { parseAssignments, parseNamedAssignments } from './env-assignments.js';
export { fetchText, promSum } from './prometheus.js';
export { UsageError, runCli, positiveNumber, positiveInteger } from './cli.js';
export { startFaultProxies, type FaultProxies, type FaultProxiesOptions } from './fault-proxies.js';
export { processTreeCpuSeconds, reapedChildrenCpuSeconds, machineBusyCpuSeconds } from './cpu.js';
export { startUi, type StartUiOptions, type RunningUi } from './ui.js';
export { listeningPid, listeningInodes } from './port-owner.js';
export { holdRows, holdRowsSql, type HoldRowsOptions } from './hold-rows.js';
export { pauseCycle, type PauseCycleOptions, type PauseCycleResult } from './pause-cycle.js';

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
export { startStack, type Stack, type StackOptions, type StackServicesOptions, type LineSink } from './stack.js';
export { startServices, serverEntry, serviceEnv, SERVICES, type ServiceName, type ServicesOptions, type RunningServices } from './services.js';
export { JaegerClient, TRACE_ID, DEFAULT_SEARCH_LIMIT, describeTrace, toSpans, type TraceSpan, type TraceSearch } from './jaeger.js';
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
export { startProcess, waitFor, waitForHttp, prefixer, type ManagedProcess, type StartOptions, type WaitOptions } from './processes.js';
export { resetData } from './reset-data.js';
export { checkLedger, ledgerReport, LEDGER_SQL, VIOLATIONS, type LedgerRow, type LedgerReport, type Violation } from './ledger.js';
export { ensureTool, type Tool } from './tools.js';
export { parseAssignments, parseNamedAssignments } from './env-assignments.js';
export { fetchText, promSum } from './prometheus.js';
export { UsageError, runCli, positiveNumber, positiveInteger } from './cli.js';
export { SCENARIOS, PRESETS, LOAD_API_KEYS, scenario, type FaultScenario, type FaultValue } from './faults/catalog.js';
export { REPO_FLAG_FILE, currentFaults, writeFaults, clearFaults, applyPreset, parseFaultValue, isOff } from './faults/flag-file.js';
export { startFaultProxies, type FaultProxies, type FaultProxiesOptions } from './faults/fault-proxies.js';
export { driveLoad, type LoadOptions, type LoadRequest } from './faults/load.js';
export { findOnPath, loadGenerator, runLoad, type LoadGenerator, type LoadRunOptions } from './load/generator.js';
export { openLoad, sentBetween, summarise, formatPhase, type OpenLoadRequest, type OpenLoadOptions, type PhaseSummary } from './open-load.js';

/** @paytrace/lab/bench: the benchmarks behind `npm run bench:*`, each a function with one options object. */
export { startBenchStack, type BenchStack, type BenchServicesOptions } from './bench-stack.js';
export { runProfile, type ProfileOptions, type ProfileConfig, type Profiled } from './profile.js';
export { profileReport } from './profile-report.js';
export { attribute, owner, isTelemetry, type CpuProfile } from './profile-attribution.js';
export { runSteadyState, steadyStateReport, type SteadyStateOptions, type Slice } from './steady-state.js';
export { runStartupBench, startupReport, STARTUP_VARIANTS, type StartupOptions } from './startup.js';
export { runGeneratorsBench, generatorsReport, CANDIDATES, type Candidate, type GeneratorsBenchOptions, type GeneratorRun } from './generators.js';
export {
  runTraceStoreBench,
  traceStoreReport,
  TRACE_STORE_VARIANTS,
  type TraceStoreBenchOptions,
  type TraceStoreVariant,
  type StoreRound,
} from './trace-store.js';
export { runPageBench, pageBenchReport, type PageBenchOptions, type PageTiming, type PageBenchResult } from './ui-pages.js';
export {
  runOperationCosts,
  operationCostReport,
  operationMedians,
  DEFAULT_OPERATION_CONFIGS,
  OPERATIONS_PER_PAYMENT,
  type OperationCostOptions,
  type OperationCostConfig,
  type OperationCostRuns,
} from './operation-costs.js';

/** @paytrace/lab/load: the load tests' traffic mix, the generators that send it, and the in-process drivers. */
export * from './traffic-mix.js';
export {
  runLoad,
  loadGenerator,
  parseGeneratorName,
  findOnPath,
  GENERATORS,
  DEFAULT_GENERATOR,
  type LoadGenerator,
  type LoadRunOptions,
} from './generator.js';
export { summariseRecords, percentile, LATE_MS, type LoadResult, type RequestRecord, type WaitingStats, type GeneratorName } from './load-result.js';
export { runVegeta, vegetaTargets, parseVegetaResults } from './vegeta.js';
export { runK6, parseK6Summary, type K6Summary } from './k6.js';
export { openLoad, sentBetween, summarise, formatPhase, type OpenLoadRequest, type OpenLoadOptions, type PhaseSummary } from './open-load.js';
export { driveLoad, sendRequest, type LoadOptions, type LoadRequest, type RequestOptions, type Route } from './drive-payments.js';

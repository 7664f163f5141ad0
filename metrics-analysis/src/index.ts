/** @paytrace/metrics-analysis: what paytrace reads in its metrics (Prometheus). */
export { PrometheusClient, type Exemplar, type Series } from './prometheus-client.js';
export {
  DEFAULT_RUNTIME_THRESHOLDS,
  figuresByService,
  judgeRuntime,
  runtimeFindings,
  runtimeQueries,
  type RuntimeFigures,
  type RuntimeFinding,
  type RuntimeFindingKind,
  type RuntimeFindingsOptions,
  type RuntimeReport,
  type RuntimeServiceFigures,
  type RuntimeThresholds,
} from './runtime-findings.js';

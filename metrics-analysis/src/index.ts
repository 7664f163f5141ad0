/** @paytrace/metrics-analysis: what paytrace reads in its metrics (Prometheus). */
export { PrometheusClient, type Exemplar, type Series } from './prometheus-client.js';
export { lnGamma, incompleteBeta, binomialCdf, betaQuantile } from './distributions.js';
export {
  CONFIDENCE,
  sampledCount,
  proportion,
  histogramFromCumulative,
  histogramDelta,
  scaleBounds,
  histogramQuantile,
  orderStatisticRanks,
  quantileFromHistogram,
  compareWithTruth,
  type Estimate,
  type Histogram,
  type QuantileEstimate,
  type Compared,
} from './estimates.js';
export { readRoute, readingDelta, estimateRoute, type MetricSource, type RouteReading, type RouteEstimate } from './payment-metrics.js';
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
export {
  CHART_WINDOWS,
  chartRange,
  knownRoutesQuery,
  labelValue,
  matchers,
  routeExemplarSelector,
  routeRedQueries,
  serviceRoutesQueries,
  toExemplarPoints,
  toPoints,
  toRouteRefs,
  toRouteSummaries,
  valueAt,
  type ChartRange,
  type ChartWindow,
  type ExemplarPoint,
  type Point,
  type RouteRef,
  type RouteSummary,
} from './red.js';
export { saturationPanels, type SaturationPanel, type SaturationUnit } from './saturation.js';

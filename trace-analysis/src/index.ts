/**
 * @paytrace/trace-analysis: what paytrace reads in a trace. Jaeger's HTTP API (and OTLP/Jaeger JSON) as typed spans, each
 * trace's critical path and hop waits, the bottleneck detective's verdict over many traces, and the
 * views drawn from them (waterfall rows, a terminal waterfall, a Mermaid Gantt). Pure functions over
 * spans plus one HTTP client: no process is started here.
 *
 *   const jaeger = new JaegerClient('http://127.0.0.1:16686');
 *   const judged = verdict((await jaeger.searchTraces(search)).map(analyzeTrace));
 *   console.log(judged.sentence);
 */
export {
  JaegerClient,
  TRACE_ID,
  DEFAULT_SEARCH_LIMIT,
  describeTrace,
  rfc3339,
  toSpans,
  type TraceSpan,
  type TraceSearch,
  type JaegerClientOptions,
} from './jaeger-client.js';
export { parseTraceFile, TraceFileError, type TraceFile } from './trace-file.js';
export type { JaegerKeyValue, JaegerSpan, JaegerTrace } from './jaeger-json.js';
export {
  hexId,
  otlpToJaegerTraces,
  otlpToSpans,
  otlpToTraces,
  type OtlpAnyValue,
  type OtlpKeyValue,
  type OtlpSpan,
  type OtlpTraces,
} from './otlp-json.js';
export {
  analyzeTrace,
  criticalPath,
  criticalSpanIds,
  hopWaits,
  selfTimes,
  type HopWait,
  type OperationTime,
  type PathSegment,
  type SequentialReads,
  type ServiceTime,
  type TraceAnalysis,
} from './analysis.js';
export {
  attributedSpan,
  indexSpans,
  isPlumbing,
  operationKey,
  operationLabel,
  operationOf,
  rootOf,
  targetOf,
  type Operation,
  type OperationCategory,
  type TraceIndex,
} from './spans.js';
export {
  verdict,
  verdictForTrace,
  type Culprit,
  type OperationStats,
  type ServiceStats,
  type ShareStats,
  type Verdict,
  type VerdictOptions,
} from './verdict.js';
export {
  compareTraces,
  typicalTrace,
  typicalAmong,
  routeSearchFor,
  ROUTE_WINDOW_MS,
  ROUTE_WINDOW_LIMIT,
  type OperationDifference,
  type TraceComparison,
  type RouteWindowOptions,
} from './compare-traces.js';
export {
  durationReference,
  percentileRank,
  spanOperationKey,
  spanPercentiles,
  type DurationReference,
  type SpanPercentile,
} from './span-percentiles.js';
export { calleeWaits, calleeWaitStats, type CalleeWait } from './callee-waits.js';
export { queryWaitOf, lockWaitSummary, type LockHolder, type LockWaitSummary, type QuerySpanWait, type QueryWait } from './db-waits.js';
export { withRuntimeFindings, EVENT_LOOP_ADVICE, type RuntimeFinding } from './runtime-verdict.js';
export {
  servedRequests,
  oddInstance,
  describeInstance,
  withOddInstance,
  type ServedRequest,
  type InstanceStats,
  type InstanceFinding,
  type InstanceOptions,
} from './instance-verdict.js';
export { rowLabel, waterfallRows, type RowOptions, type WaterfallRow } from './rows.js';
export { renderWaterfall, type WaterfallOptions } from './waterfall.js';
export { mermaidFence, sanitizeLabel, toMermaidGantt, type MermaidOptions } from './mermaid.js';
export { collectTraces, parseDuration, type TraceSelection, type CollectOptions } from './collect-traces.js';
export { quantileWithCi, minSampleForCi, median } from './statistics.js';
export { formatMs } from './format.js';
export {
  slowVsRest,
  traceFeatures,
  traceDurationMs,
  wilsonInterval,
  differenceInterval,
  describeRow,
  magnitudeOf,
  EXCLUDED_ATTRIBUTES,
  type ContrastRow,
  type Feature,
  type FeatureKind,
  type SlowSelection,
  type SlowVsRest,
  type SlowVsRestOptions,
} from './slow-vs-rest.js';
export {
  serviceMap,
  earliestStartMs,
  samplingWeightOf,
  isErrorSpan,
  addressOf,
  databaseOf,
  CALLER_NODE,
  type MapEdge,
  type MapNode,
  type MapNodeKind,
  type MapSample,
  type ServiceMap,
} from './service-map.js';

/**
 * The bottleneck detective: which part of a request to speed up first, from its traces. Pure
 * functions over Jaeger's spans (see ../jaeger.ts): analyse each trace, then judge many.
 *
 *   const verdict = verdict((await jaeger.searchTraces(search)).map(analyzeTrace));
 *   console.log(verdict.sentence);
 */
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
export { rowLabel, waterfallRows, type RowOptions, type WaterfallRow } from './rows.js';
export { mermaidFence, sanitizeLabel, toMermaidGantt, type MermaidOptions } from './mermaid.js';
export { collectTraces, parseDuration, type TraceSelection, type CollectOptions } from './traces.js';

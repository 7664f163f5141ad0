/** @paytrace/lab: the sampling lab as modules, each without side effects. */
export { runLab, type LabResult, type LabMeta } from './lab.js';
export { parseLabArgs, LAB_USAGE, type LabOptions } from './options.js';
export { CONFIGS, OPT_IN_CONFIGS, selectConfigs, type LabConfig } from './configs.js';
export { measureOnce, countDropped, LOAD_GENERATOR_PART, type LabEnv, type RunResult } from './measure.js';
export { maxThroughputs } from './max-throughput.js';
export { summarise, type ConfigSummary } from './summary.js';
export { checkTargets, type Target } from './targets.js';
export { markdownReport } from './report-markdown.js';
export { labJson, writeLabReports } from './reports.js';
export { chartSpec, renderChart, type ChartInput, type ChartMeta } from './chart.js';
export { metricEstimates, readMetrics, settleMs, type MetricReadings } from './metric-estimates.js';
export { metricsCost, metricsMarkdown } from './metrics-report.js';

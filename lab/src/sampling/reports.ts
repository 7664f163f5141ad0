/** The sampling lab's result files: sampling-lab.json and sampling-lab.svg written, the Markdown report returned. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import type { LabResult } from './lab.js';
import { markdownReport } from './report-markdown.js';

/** sampling-lab.json as loadtest/README.md describes it: each run without its raw durations. */
export function labJson(result: LabResult): string {
  const runs = result.runs.map(({ sampledDurationsMs, ...run }) => ({ ...run, sampled_traces: sampledDurationsMs.length }));
  const metricsCost = result.metricsCost.length > 0 ? { metrics_cost: result.metricsCost } : {};
  return JSON.stringify({ meta: result.meta, configurations: result.configurations, targets: result.targets, ...metricsCost, runs }, null, 2);
}

/** Writes sampling-lab.json and sampling-lab.svg into `outDir`; returns the Markdown report. */
export async function writeLabReports(result: LabResult, outDir: string): Promise<{ markdown: string; json: string; chart: string }> {
  const json = join(outDir, 'sampling-lab.json');
  const chart = join(outDir, 'sampling-lab.svg');
  writeFileSync(json, labJson(result));
  writeFileSync(chart, await renderChart(result.configurations, result.meta));
  return { markdown: markdownReport(result.configurations, result.meta, result.targets, result.metricsCost), json, chart };
}

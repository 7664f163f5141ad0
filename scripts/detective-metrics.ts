/** `npm run detective`'s metrics side: the runtime findings from Prometheus over the window, and their table in the terminal. */
import { PrometheusClient, runtimeFindings, type RuntimeFigures, type RuntimeReport } from '@paytrace/metrics-analysis';

/** The report, or why there is none (Prometheus not answering is said, not fatal: the traces still judge). */
export async function readRuntime(url: string, window: { start: number; end: number }): Promise<RuntimeReport | { error: string }> {
  const prometheus = new PrometheusClient(url);
  if (!(await prometheus.ready())) {
    return { error: `Prometheus at ${url} does not answer (is the stack running? --prometheus URL): the verdict is from the traces alone` };
  }
  try {
    return await runtimeFindings(prometheus, window);
  } catch (err) {
    return { error: `could not read the runtime metrics from Prometheus at ${url}: ${(err as Error).message}; the verdict is from the traces alone` };
  }
}

const cell = (x: number | undefined, digits = 0, width = 7) => (x === undefined ? '–' : x.toFixed(digits)).padStart(width);

function pool(f: RuntimeFigures): string {
  if (f.poolMax === undefined) return '–';
  return `${(f.poolPending ?? 0).toFixed(1)} waiting (${f.poolPendingPeak ?? 0} at most), ${f.poolUsed ?? 0}/${f.poolMax} used`;
}

/** The figures per service (window, and p99 before it) and the findings, for the terminal. */
export function runtimeTable(report: RuntimeReport): string {
  const seconds = Math.round(report.end - report.start);
  const lines = [
    `runtime over the last ${seconds} s (Prometheus; "before": the ${seconds} s before)`,
    '  service     delay p99  before     max   ELU  in flight  pool',
  ];
  for (const { service, window: w, before: b } of report.services) {
    const elu = w.utilization === undefined ? '    –' : `${Math.round(w.utilization * 100)}%`.padStart(5);
    lines.push(
      `  ${service.padEnd(10)} ${cell(w.delayP99Ms, 0, 7)} ms ${cell(b.delayP99Ms, 0, 4)} ms ${cell(w.delayMaxMs, 0, 4)} ms ${elu} ${cell(w.inFlight, 1, 10)}  ${pool(w)}`,
    );
  }
  lines.push(...(report.findings.length ? report.findings.map((f) => `  ! ${f.summary}`) : ['  no service stands out in its runtime metrics']));
  return lines.join('\n');
}

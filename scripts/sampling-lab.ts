/**
 * `npm run sampling-lab`: what tracing costs, and what a sampled view still tells you.
 * The lab itself is @paytrace/lab (runLab); this is its command line.
 *
 *   npm run sampling-lab                        # 3 rounds × 6 configurations, 50 req/s for 30 s each
 *   npm run sampling-lab -- --rounds 5 --rate 100 --duration 60
 *   npm run sampling-lab -- --quick             # < 3 minutes: 1 round, short runs (npm test runs it)
 *   npm run sampling-lab -- --only sdk-off,ratio-1 --variant json:OTEL_EXPORTER_OTLP_PROTOCOL=http/json
 *                                               # A/B an instrumentation change side by side: a variant
 *                                               # is 100% sampling (or name@ratio-0: sampling 0, …) plus
 *                                               # that environment
 *   npm run sampling-lab -- --max-throughput    # first the highest rate each configuration sustains,
 *                                               # then the rounds at half the baseline's (the targets' rate)
 *
 * Output: a Markdown table on stdout, loadtest/results/sampling-lab.json (schema in
 * loadtest/README.md) and loadtest/results/sampling-lab.svg.
 */
import { runCli } from '@paytrace/devstack';
import { LAB_USAGE, parseLabArgs, runLab, selectConfigs, writeLabReports } from '@paytrace/lab';

await runCli(LAB_USAGE, async () => {
  const options = parseLabArgs(process.argv.slice(2));
  selectConfigs(options); // a bad --only or --variant is a usage error before anything starts
  const started = Date.now();
  const progress = (message: string) =>
    process.stderr.write(`[sampling-lab ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  const result = await runLab(options, progress);
  const reports = await writeLabReports(result, options.outDir);
  console.log(reports.markdown);
  console.log(`\nJSON: ${reports.json}\nchart: ${reports.chart}`);
});

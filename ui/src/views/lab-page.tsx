/** /lab: the latest sampling lab result, its table and its chart (what tracing costs, per sampling rate). */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { EstimateVsTruth, LabConfiguration, MetricSourceEstimate } from '@paytrace/loadtest/sampling-lab-json';
import type { LabFound } from '../lab-results.js';
import { renderPage } from './layout.js';

const n = (x: number | undefined | null, digits = 1) => (x === undefined || x === null ? '–' : x.toFixed(digits));

/** The figures of a metric source, as the lab names them, with how each is shown. */
const ESTIMATED: Array<{ key: 'rate_rps' | 'error_rate' | 'p50_ms' | 'p95_ms' | 'p99_ms'; label: string; scale: number; digits: number }> = [
  { key: 'rate_rps', label: 'req/s', scale: 1, digits: 1 },
  { key: 'error_rate', label: '5xx %', scale: 100, digits: 2 },
  { key: 'p50_ms', label: 'p50 ms', scale: 1, digits: 1 },
  { key: 'p95_ms', label: 'p95 ms', scale: 1, digits: 1 },
  { key: 'p99_ms', label: 'p99 ms', scale: 1, digits: 1 },
];

/** "estimate [low, high] ✓": the estimate, its 95% interval (∞ when unbounded), and whether the load generator's truth is inside. */
function Estimate({ e, scale, digits }: { e: EstimateVsTruth | null; scale: number; digits: number }) {
  if (!e) return <td class="num">–</td>;
  const [low, high] = e.ci95;
  const inside = e.truth_inside === null ? '' : e.truth_inside ? ' ✓' : ' ✗';
  return (
    <td class={`num ${e.truth_inside === false ? 'missed' : ''}`} title={`truth ${n(e.truth === null ? null : e.truth * scale, digits)}`}>
      {`${n(e.estimate * scale, digits)} [${n(low * scale, digits)}, ${high === null ? '∞' : n(high * scale, digits)}]${inside}`}
    </td>
  );
}

function SourceRow({ c, source, name }: { c: LabConfiguration; source: MetricSourceEstimate | null; name: string }) {
  return (
    <tr data-estimates={c.id} data-source={name}>
      <td>{c.label}</td>
      <td>{name}</td>
      <td class="num">
        {source ? `${source.seen} (${n(source.sampling_probability * 100, source.sampling_probability < 0.1 ? 1 : 0)}%)` : 'no data'}
      </td>
      {ESTIMATED.map(({ key, scale, digits }) => (
        <Estimate e={source ? source[key] : null} scale={scale} digits={digits} />
      ))}
    </tr>
  );
}

/** What each configuration's metrics say about its measured window, against the load generator's own figures. */
function MetricEstimatesTable({ configurations }: { configurations: LabConfiguration[] }) {
  const withEstimates = configurations.filter((c) => c.metric_estimates);
  if (withEstimates.length === 0) return null;
  const truth = withEstimates.find((c) => c.metric_estimates?.sdk)?.metric_estimates?.sdk;
  return (
    <>
      <h2>What the metrics tell, against the truth</h2>
      <p class="legend">
        For each configuration's measured window: the SDK's metrics (every request, sampled or not) and the Collector's span metrics (sampled spans,
        each counted 1/p times), each estimate with its 95% interval; ✓ when the load generator's own figure is inside it (hover for the figure).
        Latency is the server's; the truth is the client's round trip, a little longer.
        {truth ? ` The load generator's truth, first round: ${n(truth.rate_rps.truth, 1)} req/s, p99 ${n(truth.p99_ms?.truth, 1)} ms.` : ''}
      </p>
      <table class="lab" id="lab-metric-estimates">
        <thead>
          <tr>
            <th>configuration</th>
            <th>source</th>
            <th class="num">requests seen</th>
            {ESTIMATED.map(({ label }) => (
              <th class="num">{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {withEstimates.flatMap((c) => [
            <SourceRow c={c} source={c.metric_estimates!.sdk} name="SDK metrics" />,
            <SourceRow c={c} source={c.metric_estimates!.span} name="span metrics" />,
          ])}
        </tbody>
      </table>
    </>
  );
}

function LabPage({ found, searched }: { found: LabFound | undefined; searched: readonly string[] }) {
  if (!found) {
    return (
      <>
        <h1>Sampling lab</h1>
        <p class="empty">
          No sampling lab result in {searched.length ? searched.join(', ') : '(no folders configured)'}. Run one: <code>npm run sampling-lab</code>{' '}
          (about 10 minutes; <code>-- --quick</code> for a rough one).
        </p>
      </>
    );
  }
  const { result, dir, chart } = found;
  const { meta } = result;
  return (
    <>
      <h1>Sampling lab</h1>
      <p class="legend">
        The run of <time datetime={meta.created}>{meta.created}</time> from <code>{dir}</code>: {meta.rate} req/s for {meta.durationS} s per
        configuration, {meta.rounds} interleaved round(s), medians over rounds
        {meta.machine ? `, on ${meta.machine.cpus} CPUs, Node ${meta.machine.node}` : ''}. CPU per request counts every process (services, Postgres,
        stripe-mock, Collector, Jaeger, the load generator); × base is the ratio to the run with the SDK disabled.
      </p>
      <table class="lab" id="lab-table">
        <thead>
          <tr>
            <th>configuration</th>
            <th class="num">req/s</th>
            <th class="num">p50 ms</th>
            <th class="num">p95 ms</th>
            <th class="num">p99 ms</th>
            <th class="num">p99 × base</th>
            <th class="num">errors</th>
            <th class="num">CPU ms/req services (× base)</th>
            <th class="num">all counted (× base)</th>
            <th class="num">traces stored</th>
            <th class="num">max req/s</th>
          </tr>
        </thead>
        <tbody>
          {result.configurations.map((c) => (
            <tr data-config={c.id}>
              <td>{c.label}</td>
              <td class="num">{n(c.achieved_rps)}</td>
              <td class="num">{n(c.latency_ms.p50)}</td>
              <td class="num">{n(c.latency_ms.p95)}</td>
              <td class="num">{n(c.latency_ms.p99)}</td>
              <td class="num">{n(c.ratio_to_baseline.p99, 2)}</td>
              <td class="num">{`${n(c.error_rate * 100, 2)}%`}</td>
              <td class="num">{`${n(c.cpu_ms_per_request.services, 2)} (${n(c.ratio_to_baseline.cpu_ms_per_request.services, 2)})`}</td>
              <td class="num">{`${n(c.cpu_ms_per_request.counted, 2)} (${n(c.ratio_to_baseline.cpu_ms_per_request.counted, 2)})`}</td>
              <td class="num">{n(c.traces_stored, 0)}</td>
              <td class="num">{c.max_throughput_rps === undefined ? '–' : n(c.max_throughput_rps, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <MetricEstimatesTable configurations={result.configurations} />
      {result.metrics_cost?.length ? (
        <>
          <h2>What metrics cost</h2>
          <ul class="metrics-cost" id="lab-metrics-cost">
            {result.metrics_cost.map((m) => (
              <li>
                {m.with_metrics} against {m.without_metrics}: services {n(m.cpu_ms_per_request_services.with_metrics, 2)} against{' '}
                {n(m.cpu_ms_per_request_services.without_metrics, 2)} CPU ms/req (× {n(m.cpu_ms_per_request_services.ratio, 3)}), everything counted ×{' '}
                {n(m.cpu_ms_per_request_counted.ratio, 3)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {result.targets.length > 0 ? (
        <>
          <h2>Targets</h2>
          <ul class="targets">
            {result.targets.map((t) => (
              <li class={t.met ? 'met' : 'missed'}>
                {t.met ? '✓' : '✗'} {t.target}: {t.measured}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {chart ? (
        <>
          <h2>Chart</h2>
          <img class="lab-chart" src="/lab/chart.svg" alt="The sampling lab's chart: latency and CPU per request for each sampling configuration" />
        </>
      ) : null}
    </>
  );
}

export function renderLabPage(found: LabFound | undefined, searched: readonly string[]): string {
  return renderPage({ title: 'Sampling lab', section: 'lab', children: <LabPage found={found} searched={searched} /> });
}

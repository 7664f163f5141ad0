/** /lab: the latest sampling lab result, its table and its chart (what tracing costs, per sampling rate). */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { LabFound } from '../lab-results.js';
import { renderPage } from './layout.js';

const n = (x: number | undefined, digits = 1) => (x === undefined || x === null ? '–' : x.toFixed(digits));

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

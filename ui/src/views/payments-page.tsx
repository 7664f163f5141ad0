/**
 * /: one route's charts from Prometheus (rate, 5xx share, latency with exemplars), then the recent
 * POST /process-payment traces, newest first, filterable by outcome and minimum duration, under
 * the detective's verdict for the last minute (what `npm run detective` says).
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import { type Verdict, formatMs } from '@paytrace/trace-analysis';
import type { Outcome, TraceSummary } from '../traces.js';
import { FindBox } from './find-box.js';
import { clock, isoTime, pct, serviceColor } from './format.js';
import { renderPage } from './layout.js';
import { ServiceChips, TraceIdLink } from './trace-row-cells.js';
import { RouteCharts, routeKey, type RouteChartsProps } from './route-charts.js';

export interface PaymentsFilter {
  outcome: Outcome | 'all';
  /** Only traces that lasted at least this long, ms (0: all). */
  minMs: number;
}

export interface PaymentsPageProps {
  filter: PaymentsFilter;
  traces: TraceSummary[];
  /** How far back the list reaches, ms. */
  lookbackMs: number;
  lastMinute: { verdict: Verdict; fromMs: number; toMs: number; sampled: boolean };
  /** The metrics section on top (Prometheus's charts of one route). */
  charts: RouteChartsProps;
}

const OUTCOMES: Array<PaymentsFilter['outcome']> = ['all', 'succeeded', 'rejected', 'failed'];

function VerdictPanel({ lastMinute }: { lastMinute: PaymentsPageProps['lastMinute'] }) {
  const { verdict, fromMs, toMs, sampled } = lastMinute;
  return (
    <section class="verdict" id="verdict" data-culprit-service={verdict.culprit?.service ?? ''} data-culprit-kind={verdict.culprit?.kind ?? ''}>
      <h2>The last minute's verdict</h2>
      <p class="window">
        {verdict.count} payments {sampled ? '(a sample: the newest of each quarter of the minute) ' : ''}that started between{' '}
        <time datetime={isoTime(fromMs)}>{clock(fromMs)}</time> and <time datetime={isoTime(toMs)}>{clock(toMs)}</time> (newer ones may still lack
        spans) · {verdict.failed} failed
      </p>
      <p class="sentence">
        {verdict.count === 0 ? 'No payments in that minute: make some (the curl on the README, or npm run load).' : verdict.sentence}
      </p>
      {verdict.runtime?.length ? (
        <ul class="runtime-findings">
          {verdict.runtime.map((finding) => (
            <li data-service={finding.service} data-kind={finding.kind}>
              from the metrics: {finding.summary}
            </li>
          ))}
        </ul>
      ) : null}
      {verdict.operations.length > 0 ? (
        <table class="shares">
          <thead>
            <tr>
              <th>on the critical path (largest mean share)</th>
              <th class="num">mean</th>
              <th class="num">p50</th>
              <th class="num">p95</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {verdict.operations.slice(0, 5).map((op) => (
              <tr>
                <td>
                  <span class="dot" style={`background:${serviceColor(op.service)}`} /> {op.service} {op.operation}
                  {op.target ? ` → ${op.target}` : ''}
                </td>
                <td class="num">{pct(op.mean)}</td>
                <td class="num">{pct(op.p50)}</td>
                <td class="num">{pct(op.p95)}</td>
                <td class="sharebar">
                  <span style={`width:${Math.round(op.mean * 100)}%;background:${serviceColor(op.service)}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function PaymentsPage({ filter, traces, lookbackMs, lastMinute, charts }: PaymentsPageProps) {
  return (
    <>
      <h1>Recent payments</h1>
      <FindBox />
      <RouteCharts {...charts} />
      <VerdictPanel lastMinute={lastMinute} />
      <form class="filter" method="get" action="/">
        {/* The charts' choice survives a change of filter. */}
        <input type="hidden" name="route" value={routeKey(charts.ref)} />
        <input type="hidden" name="window" value={charts.window} />
        <label>
          outcome{' '}
          <select name="outcome">
            {OUTCOMES.map((o) => (
              <option value={o} selected={o === filter.outcome}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          at least <input type="number" name="min_ms" min={0} step="any" value={filter.minMs || ''} placeholder="0" /> ms
        </label>
        <button type="submit">Filter</button>
        <span class="hint">
          the last {Math.round(lookbackMs / 60_000)} minutes, newest first; succeeded: 2xx · rejected: 4xx (declined, bad input) · failed: 5xx
        </span>
      </form>
      {traces.length === 0 ? (
        <p class="empty">
          No payment traces match. Make a payment (the curl in the README), then reload: a trace reaches Jaeger a few seconds after its request.
        </p>
      ) : (
        <table class="traces">
          <thead>
            <tr>
              <th>started</th>
              <th class="num">duration</th>
              <th>outcome</th>
              <th>services</th>
              <th class="num">spans</th>
              <th>trace</th>
            </tr>
          </thead>
          <tbody>
            {traces.map((t) => (
              <tr data-trace-id={t.traceId} data-outcome={t.outcome}>
                <td>
                  <time datetime={isoTime(t.startMs)}>{clock(t.startMs)}</time>
                </td>
                <td class="num">{formatMs(t.durationUs)}</td>
                <td>
                  <span class={`outcome ${t.outcome}`}>{`${t.outcome}${t.statusCode ? ` ${t.statusCode}` : ''}`}</span>
                </td>
                <td>
                  <ServiceChips services={t.services} />
                </td>
                <td class="num">{t.spanCount}</td>
                <td>
                  <TraceIdLink traceId={t.traceId} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function renderPaymentsPage(props: PaymentsPageProps): string {
  return renderPage({ title: 'Recent payments', section: 'traces', children: <PaymentsPage {...props} /> });
}

/**
 * /slow: slow against the rest. A latency heatmap of one gateway route's traces over a window, a
 * duration range for "slow" (the p90 and above unless brushed), and every value the traces carry
 * ranked by how much more common it is among the slow ones (@paytrace/trace-analysis's slowVsRest).
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { ContrastRow, SlowVsRest } from '@paytrace/trace-analysis';
import { clock, isoTime, pct } from './format.js';
import { renderPage } from './layout.js';
import { LatencyHeatmap, type HeatmapGrid } from './latency-heatmap.js';

export interface SlowPageProps {
  operation: string;
  operations: readonly string[];
  since: string;
  windows: readonly string[];
  fromMs: number;
  toMs: number;
  sampled: boolean;
  /** The window was searched in this many slices, each giving its newest traces. */
  slices: number;
  grid: HeatmapGrid;
  result: SlowVsRest;
  /** Rows shown. */
  top: number;
}

const points = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(0)}`;

function splitText(result: SlowVsRest): string {
  const s = result.slow;
  if ('aboveMs' in s) return `longer than ${s.aboveMs.toFixed(1)} ms${s.quantile === undefined ? '' : ` (the p${Math.round(s.quantile * 100)})`}`;
  return `between ${s.fromMs.toFixed(1)} and ${s.toMs.toFixed(1)} ms`;
}

function Row({ row, rank }: { row: ContrastRow; rank: number }) {
  const clear = row.interval[0] > 0;
  return (
    <tr data-rank={rank} data-kind={row.kind} data-key={row.key} data-value={row.value} class={clear ? 'telling' : undefined}>
      <td class="num">{rank}</td>
      <td>
        <span class="kind">{row.kind}</span> {row.key}
      </td>
      <td>
        <code>{row.value}</code>
      </td>
      <td class="num">
        {row.slowCount}/{row.slowTotal} ({pct(row.slowShare)})
      </td>
      <td class="num">
        {row.restCount}/{row.restTotal} ({pct(row.restShare)})
      </td>
      <td class="num">{points(row.difference)}</td>
      <td class="num">
        [{points(row.interval[0])}, {points(row.interval[1])}]
      </td>
      <td class="diffbar" title="the 95% interval of the difference, from −100 to +100 points">
        <span class="zero" />
        <span class="ci" style={`left:${((row.interval[0] + 1) * 50).toFixed(1)}%;width:${((row.interval[1] - row.interval[0]) * 50).toFixed(1)}%`} />
      </td>
    </tr>
  );
}

function SlowPage(props: SlowPageProps) {
  const { result, grid } = props;
  const s = result.slow;
  const band = 'aboveMs' in s ? { fromMs: s.aboveMs, toMs: Infinity } : s;
  return (
    <>
      <h1>Slow against the rest</h1>
      <form class="filter" method="get" action="/slow" id="slow-form">
        <label>
          route{' '}
          <select name="route">
            {props.operations.map((o) => (
              <option value={o} selected={o === props.operation}>
                gateway {o}
              </option>
            ))}
          </select>
        </label>
        <label>
          last{' '}
          <select name="since">
            {props.windows.map((w) => (
              <option value={w} selected={w === props.since}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          slow from <input type="number" name="from" min={0} step="any" value={'aboveMs' in s ? '' : String(s.fromMs)} placeholder="p90" /> ms
        </label>
        <label>
          to <input type="number" name="to" min={0} step="any" value={'aboveMs' in s ? '' : String(s.toMs)} placeholder="∞" /> ms
        </label>
        <button type="submit">Compare</button>
        <a href={`/slow?route=${encodeURIComponent(props.operation)}&since=${props.since}`}>back to the p90</a>
      </form>
      <p class="window">
        {result.slowTotal + result.restTotal} traces {props.sampled ? `(a sample: the newest of each of ${props.slices} slices of the window) ` : ''}
        that started between <time datetime={isoTime(props.fromMs)}>{clock(props.fromMs)}</time> and{' '}
        <time datetime={isoTime(props.toMs)}>{clock(props.toMs)}</time>
      </p>
      <LatencyHeatmap grid={grid} slow={result.slowTotal + result.restTotal > 0 ? band : undefined} />
      <section id="slow-vs-rest" data-slow={result.slowTotal} data-rest={result.restTotal}>
        <h2>
          What the {result.slowTotal} slow traces ({splitText(result)}) have in common, against the other {result.restTotal}
        </h2>
        <p class="hint">
          Each value a trace carries (resource and span attributes, flag variants, operations present, error types, pool waits, events), counted once
          per trace; ranked by the lower end of the 95% interval of the difference in share (Newcombe's hybrid score interval), so a value seen in a
          handful of traces does not outrank a well-supported one. Ids and values only one trace carries are left out.
        </p>
        {result.rows.length === 0 ? (
          <p class="empty">Nothing to compare: no traces in this window, or none on one side of the split.</p>
        ) : (
          <table class="contrast">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>attribute</th>
                <th>value</th>
                <th class="num">slow</th>
                <th class="num">rest</th>
                <th class="num">difference</th>
                <th class="num">95% interval</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {result.rows.slice(0, props.top).map((row, i) => (
                <Row row={row} rank={i + 1} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export function renderSlowPage(props: SlowPageProps): string {
  return renderPage({ title: 'Slow against the rest', section: 'slow', scripts: ['slow.js'], children: <SlowPage {...props} /> });
}

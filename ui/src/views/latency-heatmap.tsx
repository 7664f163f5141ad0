/**
 * A latency heatmap as server-rendered SVG (LatencyHeatmap): the window's traces by start time
 * (columns) and duration (rows, on a log scale: a few slow ones and the many quick ones both show),
 * the count of each cell as its colour, and the slow selection as a band a script lets the reader
 * brush (public/slow.js reads the scale from the svg's data attributes).
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import { clock } from './format.js';

/** One trace on the heatmap: when it started (ms since the epoch) and how long it took (ms). */
export interface HeatmapPoint {
  startMs: number;
  durationMs: number;
}

export interface HeatmapGrid {
  fromMs: number;
  toMs: number;
  /** The duration axis, ms: its bottom and top (log scale). */
  loMs: number;
  hiMs: number;
  columns: number;
  rows: number;
  /** counts[column][row], row 0 at the bottom (the quickest). */
  counts: number[][];
  max: number;
}

const COLUMNS = 48;
const ROWS = 24;

/** The smallest 1, 2 or 5 × 10ⁿ at or below `ms` (at least 0.1 ms): a round bottom for the log axis. */
function roundDown(ms: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(ms, 0.1)));
  for (const step of [5, 2, 1]) if (step * magnitude <= ms) return step * magnitude;
  return magnitude;
}

/** The smallest 1, 2 or 5 × 10ⁿ above `ms`: a round top. */
function roundUp(ms: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(ms, 0.1)));
  for (const step of [1, 2, 5, 10]) if (step * magnitude > ms) return step * magnitude;
  return 10 * magnitude;
}

/** Counts the points into a COLUMNS × ROWS grid over the window and their durations. */
export function heatmapGrid(points: HeatmapPoint[], window: { fromMs: number; toMs: number }): HeatmapGrid {
  const durations = points.map((p) => p.durationMs);
  const loMs = durations.length ? roundDown(Math.min(...durations)) : 1;
  const hiMs = durations.length ? Math.max(roundUp(Math.max(...durations)), loMs * 10) : 1000;
  const counts = Array.from({ length: COLUMNS }, () => new Array<number>(ROWS).fill(0));
  const span = Math.max(1, window.toMs - window.fromMs);
  const logLo = Math.log10(loMs);
  const logSpan = Math.log10(hiMs) - logLo;
  let max = 0;
  for (const p of points) {
    const column = Math.min(COLUMNS - 1, Math.max(0, Math.floor(((p.startMs - window.fromMs) / span) * COLUMNS)));
    const row = Math.min(ROWS - 1, Math.max(0, Math.floor(((Math.log10(Math.max(p.durationMs, loMs)) - logLo) / logSpan) * ROWS)));
    const n = ++counts[column]![row]!;
    if (n > max) max = n;
  }
  return { fromMs: window.fromMs, toMs: window.toMs, loMs, hiMs, columns: COLUMNS, rows: ROWS, counts, max };
}

const WIDTH = 720;
const HEIGHT = 260;
const MARGIN = { left: 64, right: 10, top: 10, bottom: 22 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

const msLabel = (ms: number): string => (ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${+ms.toFixed(1)} ms`);

export interface LatencyHeatmapProps {
  grid: HeatmapGrid;
  /** The slow traces' durations, ms (drawn as the brushed band; toMs Infinity: everything above fromMs). */
  slow: { fromMs: number; toMs: number } | undefined;
}

export function LatencyHeatmap({ grid, slow }: LatencyHeatmapProps) {
  const logLo = Math.log10(grid.loMs);
  const logSpan = Math.log10(grid.hiMs) - logLo;
  const y = (ms: number) => MARGIN.top + PLOT_H - ((Math.log10(Math.min(Math.max(ms, grid.loMs), grid.hiMs)) - logLo) / logSpan) * PLOT_H;
  const cellW = PLOT_W / grid.columns;
  const cellH = PLOT_H / grid.rows;
  const ticks: number[] = [];
  for (let decade = 10 ** Math.floor(logLo); decade <= grid.hiMs; decade *= 10) {
    for (const step of [1, 2, 5]) if (decade * step >= grid.loMs && decade * step <= grid.hiMs) ticks.push(decade * step);
  }
  const bucketMs = (row: number) => 10 ** (logLo + (row / grid.rows) * logSpan);
  const columnMs = (grid.toMs - grid.fromMs) / grid.columns;
  return (
    <figure class="heatmap" id="latency-heatmap">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label="traces by start time and duration"
        data-lo-ms={grid.loMs}
        data-hi-ms={grid.hiMs}
        data-plot-top={MARGIN.top}
        data-plot-height={PLOT_H}
        data-view-height={HEIGHT}
      >
        {ticks.map((ms) => (
          <g class="tick">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(ms).toFixed(1)} y2={y(ms).toFixed(1)} />
            <text x={MARGIN.left - 6} y={(y(ms) + 4).toFixed(1)} text-anchor="end">
              {msLabel(ms)}
            </text>
          </g>
        ))}
        <text class="time" x={MARGIN.left} y={HEIGHT - 6}>
          {clock(grid.fromMs).slice(0, 8)}
        </text>
        <text class="time" x={WIDTH - MARGIN.right} y={HEIGHT - 6} text-anchor="end">
          {`${clock(grid.toMs).slice(0, 8)} UTC`}
        </text>
        {grid.max === 0 ? (
          <text class="nodata" x={MARGIN.left + PLOT_W / 2} y={MARGIN.top + PLOT_H / 2} text-anchor="middle">
            no traces in this window
          </text>
        ) : null}
        {grid.counts.flatMap((column, c) =>
          column.flatMap((count, r) =>
            count === 0
              ? []
              : [
                  <rect
                    class="cell"
                    x={(MARGIN.left + c * cellW).toFixed(1)}
                    y={(MARGIN.top + PLOT_H - (r + 1) * cellH).toFixed(1)}
                    width={cellW.toFixed(1)}
                    height={cellH.toFixed(1)}
                    fill-opacity={(0.15 + 0.85 * Math.sqrt(count / grid.max)).toFixed(2)}
                    data-count={count}
                  >
                    <title>{`${count} trace${count === 1 ? '' : 's'}, ${msLabel(bucketMs(r))}–${msLabel(bucketMs(r + 1))}, from ${clock(grid.fromMs + c * columnMs)}`}</title>
                  </rect>,
                ],
          ),
        )}
        {slow ? (
          <rect
            class="brush"
            id="brush"
            x={MARGIN.left}
            width={PLOT_W}
            y={y(Math.min(slow.toMs, grid.hiMs)).toFixed(1)}
            height={Math.max(1, y(slow.fromMs) - y(Math.min(slow.toMs, grid.hiMs))).toFixed(1)}
          />
        ) : null}
        <rect class="brush-area" x={MARGIN.left} y={MARGIN.top} width={PLOT_W} height={PLOT_H} />
      </svg>
      <figcaption>Drag up or down across the chart to choose the slow traces by duration; the table below compares them with the rest.</figcaption>
    </figure>
  );
}

/** A line chart over time as server-rendered SVG (TimeChart): lines with gaps where there is no data, a y axis in the figure's unit, and exemplar dots that link to their traces. */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { ChartRange, Point } from '@paytrace/metrics-analysis';
import { formatMs } from '@paytrace/trace-analysis';
import { clock } from './format.js';

/** How a chart's numbers read. */
export type ChartUnit = 'per-second' | 'ratio' | 'seconds' | 'count' | 'bytes' | 'seconds-per-second';

export function formatValue(unit: ChartUnit, value: number): string {
  switch (unit) {
    case 'per-second':
      if (value === 0) return '0/s';
      return `${value >= 10 ? value.toFixed(0) : value.toFixed(value >= 1 ? 1 : 2)}/s`;
    case 'ratio':
      return `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`;
    case 'seconds':
      // formatMs takes microseconds, as Jaeger's spans give them: the same "12.3 ms" as the trace pages.
      return formatMs(value * 1e6);
    case 'seconds-per-second': {
      const ms = value * 1000;
      return `${ms >= 10 ? ms.toFixed(0) : ms.toFixed(ms >= 1 || ms === 0 ? 1 : 2)} ms/s`;
    }
    case 'bytes':
      return value >= 1024 ** 2 ? `${(value / 1024 ** 2).toFixed(1)} MiB` : `${(value / 1024).toFixed(0)} KiB`;
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value`: a top for the y axis a reader can divide in their head. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value * (1 - 1e-9)) return step * magnitude;
  return 10 * magnitude;
}

export interface ChartLine {
  name: string;
  color: string;
  points: Point[];
}

/** One request on the chart: when, its value, and the trace page it opens. */
export interface ChartDot {
  t: number;
  v: number;
  traceId: string;
  title: string;
}

export interface TimeChartProps {
  /** The figure's id in the page (`chart-<id>`), for links and tests. */
  id: string;
  range: ChartRange;
  unit: ChartUnit;
  lines: ChartLine[];
  dots?: ChartDot[];
  /** The y axis's top is at least this (e.g. 1 for a share, so a few errors do not fill the chart). */
  minTop?: number;
}

const WIDTH = 720;
const HEIGHT = 170;
const MARGIN = { left: 64, right: 10, top: 10, bottom: 22 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/**
 * A line's SVG path: a segment per run of points no more than 1.5 steps apart, so a minute
 * without requests is a gap, not a straight line over it. A lone point is a zero-length segment,
 * drawn as a dot by the round line caps.
 */
export function linePath(points: Point[], x: (t: number) => number, y: (v: number) => number, stepSeconds: number): string {
  let d = '';
  let previous: Point | undefined;
  for (const p of points) {
    const joined = previous !== undefined && p.t - previous.t <= stepSeconds * 1.5;
    d += `${joined ? 'L' : `${d ? ' ' : ''}M`}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`;
    if (!joined) d += `L${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`;
    previous = p;
  }
  return d;
}

export function TimeChart({ id, range, unit, lines, dots = [], minTop = 0 }: TimeChartProps) {
  const values = [...lines.flatMap((l) => l.points.map((p) => p.v)), ...dots.map((d) => d.v)];
  const highest = Math.max(minTop, ...values, 0);
  // Bytes top at a round number of MiB (64 MiB, not 95.4 MiB, which is 10⁸ bytes).
  const top = unit === 'bytes' ? niceCeiling(highest / 1024 ** 2) * 1024 ** 2 : niceCeiling(highest);
  const span = range.end - range.start;
  const x = (t: number) => MARGIN.left + ((t - range.start) / span) * PLOT_W;
  const y = (v: number) => MARGIN.top + PLOT_H - (Math.min(v, top) / top) * PLOT_H;
  const ticks = [0, top / 2, top];
  const hasData = lines.some((l) => l.points.length > 0);
  return (
    <figure class="timechart" id={`chart-${id}`} data-points={lines.reduce((n, l) => n + l.points.length, 0)}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-label={lines.map((l) => l.name).join(', ')}>
        {ticks.map((v) => (
          <g class="tick">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(v)} y2={y(v)} />
            <text x={MARGIN.left - 6} y={y(v) + 4} text-anchor="end">
              {formatValue(unit, v)}
            </text>
          </g>
        ))}
        <text class="time" x={MARGIN.left} y={HEIGHT - 6}>
          {clock(range.start * 1000).slice(0, 8)}
        </text>
        <text class="time" x={WIDTH - MARGIN.right} y={HEIGHT - 6} text-anchor="end">
          {`${clock(range.end * 1000).slice(0, 8)} UTC`}
        </text>
        {hasData ? null : (
          <text class="nodata" x={MARGIN.left + PLOT_W / 2} y={MARGIN.top + PLOT_H / 2} text-anchor="middle">
            no data in this window
          </text>
        )}
        {lines.map((line) => (
          <path class="line" data-name={line.name} d={linePath(line.points, x, y, range.stepSeconds)} stroke={line.color} />
        ))}
        {dots.map((dot) => (
          <a class="exemplar" href={`/trace/${dot.traceId}`} data-trace-id={dot.traceId}>
            <circle cx={x(dot.t).toFixed(1)} cy={y(dot.v).toFixed(1)} r="3.5" />
            <title>{dot.title}</title>
          </a>
        ))}
      </svg>
      <figcaption>
        {lines.map((line) => {
          const last = line.points.at(-1);
          return (
            <span class="legend" data-name={line.name}>
              <span class="swatch" style={`background:${line.color}`} /> {line.name}
              {last ? ` ${formatValue(unit, last.v)}` : ' –'}
            </span>
          );
        })}
        {dots.length > 0 ? <span class="legend exemplars">● a request (exemplar): click for its trace</span> : null}
      </figcaption>
    </figure>
  );
}

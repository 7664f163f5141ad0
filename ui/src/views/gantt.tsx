/**
 * A trace as the lesson's Gantt chart, drawn as SVG on the server: one row per span a reader needs
 * (in call order, indented by depth), each bar in its service's colour, and in red the stretches
 * where that span was the critical path (what the request waited on). A bar links to its span's
 * details below the chart.
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import { type WaterfallRow, formatMs } from '@paytrace/trace-analysis';
import { serviceColor } from './format.js';

const ROW = 22;
const AXIS = 30;
const LABEL_WIDTH = 430;
const CHART_WIDTH = 620;
const RIGHT = 90;
const WIDTH = LABEL_WIDTH + CHART_WIDTH + RIGHT;
const CHAR = 7.4; // px per character of the 12 px monospace labels (bold on the critical path), to cut them before the bars

/** Ticks at 1, 2 or 5 × 10ⁿ ms, about six across the chart. */
export function axisTicks(totalMs: number): number[] {
  if (!(totalMs > 0)) return [0];
  const rough = totalMs / 6;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const ticks: number[] = [];
  for (let t = 0; t <= totalMs + step / 1000; t += step) ticks.push(Number(t.toFixed(6)));
  return ticks;
}

const clip = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, Math.max(1, chars - 1))}…` : text);

export interface GanttProps {
  rows: WaterfallRow[];
  /** The root's start and duration, µs. */
  startUs: number;
  durationUs: number;
  /**
   * Compared with a typical trace: each span's extra critical-path time, µs (compareTraces). A span
   * with more gets a hatched overlay that long at the end of its bar and a "+250.0 ms" label.
   */
  extra?: ReadonlyMap<string, number>;
}

export function Gantt({ rows, startUs, durationUs, extra }: GanttProps) {
  const total = durationUs || 1;
  // Tenths of a pixel are as fine as a screen draws; more digits only make the page longer.
  const x = (us: number) => Math.round((LABEL_WIDTH + (Math.min(Math.max(us - startUs, 0), total) / total) * CHART_WIDTH) * 10) / 10;
  const px = (n: number) => Math.round(n * 10) / 10;
  const height = AXIS + rows.length * ROW + 8;
  return (
    <svg
      class="gantt"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width={WIDTH}
      height={height}
      role="img"
      aria-label={`Gantt chart of ${rows.length} spans over ${formatMs(durationUs)}; the critical path in red`}
    >
      {/* A label never runs into the bars, whatever the font: the column clips it. */}
      <clipPath id="label-column">
        <rect x={0} y={0} width={LABEL_WIDTH - 8} height={height} />
      </clipPath>
      {extra ? (
        <pattern id="extra-hatch" patternUnits="userSpaceOnUse" width={6} height={6} patternTransform="rotate(45)">
          <rect width={3} height={6} class="hatch" />
        </pattern>
      ) : null}
      {axisTicks(durationUs / 1000).map((tick) => {
        const tx = x(startUs + tick * 1000);
        return (
          <g class="tick">
            <line x1={tx} x2={tx} y1={AXIS - 6} y2={height} />
            <text x={tx} y={AXIS - 10} textAnchor="middle">
              {`${tick} ms`}
            </text>
          </g>
        );
      })}
      {rows.map((row, i) => {
        const s = row.span;
        const y = AXIS + i * ROW;
        const left = x(s.startTime);
        const width = Math.max(1, px(x(s.startTime + s.duration) - left));
        const indent = 84 + row.depth * 12;
        const color = serviceColor(s.service);
        const extraUs = extra?.get(s.spanId) ?? 0;
        // As long as the extra time on the chart's scale, at the end of the bar, never wider than it.
        const extraWidth = extraUs > 0 ? Math.min(width, Math.max(2, px((extraUs / total) * CHART_WIDTH))) : 0;
        return (
          <a href={`#span-${s.spanId}`}>
            <g
              class={`row${row.onPath ? ' on-path' : ''}${row.error ? ' failed' : ''}`}
              data-span-id={s.spanId}
              data-service={s.service}
              data-kind={s.kind ?? 'internal'}
              data-depth={row.depth}
            >
              <title>{`${s.service} ${row.label}\nstart ${formatMs(s.startTime - startUs)}, duration ${formatMs(s.duration)}, self ${formatMs(row.selfUs)}${row.onPath ? '\non the critical path' : ''}`}</title>
              <rect class="hover" x={0} y={y} width={WIDTH} height={ROW} />
              <rect x={0} y={y + 3} width={4} height={ROW - 6} fill={color} />
              <text class="service" x={10} y={y + ROW / 2}>
                {s.service}
              </text>
              <text class="label" x={indent} y={y + ROW / 2} clipPath="url(#label-column)">
                {clip(row.label, Math.floor((LABEL_WIDTH - indent - 8) / CHAR))}
              </text>
              <rect class="bar" x={left} y={y + 5} width={width} height={ROW - 10} fill={color} />
              {row.pathSegments.map((seg) => (
                <rect class="crit" x={x(seg.start)} y={y + 5} width={Math.max(1, px(x(seg.end) - x(seg.start)))} height={ROW - 10} />
              ))}
              {extraWidth > 0 ? <rect class="extra" x={px(left + width - extraWidth)} y={y + 2} width={extraWidth} height={ROW - 4} /> : null}
              <text class="duration" x={px(Math.min(left + width + 4, LABEL_WIDTH + CHART_WIDTH + 4))} y={y + ROW / 2}>
                {`${formatMs(s.duration)}${row.error ? ` ✗ ${row.error}` : ''}`}
              </text>
              {extraUs > 0 ? (
                <text class="extra-label" x={px(Math.max(left + width - extraWidth - 4, LABEL_WIDTH + 60))} y={y + ROW / 2} textAnchor="end">
                  {`+${formatMs(extraUs)}`}
                </text>
              ) : null}
            </g>
          </a>
        );
      })}
    </svg>
  );
}

/** The service map as server-rendered SVG (ServiceMapSvg): nodes in columns, edges labelled with rate, error share and p95, each a link to its search. */
/** @jsxRuntime automatic @jsxImportSource preact */
import type { MapEdge, MapNode, ServiceMap } from '@paytrace/trace-analysis';
import { formatMs } from '@paytrace/trace-analysis';
import { serviceColor } from './format.js';
import { formatValue } from './time-chart.js';

/** /search's URL for a caller's spans (service and tags, one `key=value` a line) over the map's window. */
export function searchHref(search: { service: string; tags: Record<string, string> }, lookback: string): string {
  const query = new URLSearchParams({ service: search.service });
  const tags = Object.entries(search.tags).map(([key, value]) => `${key}=${value}`);
  if (tags.length > 0) query.set('tags', tags.join('\n'));
  query.set('lookback', lookback);
  return `/search?${query}`;
}

/** A node's search: its own spans for a service; for the client, the root's service; for Postgres or an API, its busiest caller's calls. */
export function nodeSearch(node: MapNode, edges: MapEdge[]): MapEdge['search'] | undefined {
  if (node.kind === 'service') return { service: node.id, tags: {} };
  const busiest = edges.filter((e) => (node.kind === 'client' ? e.from === node.id : e.to === node.id)).sort((a, b) => b.calls - a.calls)[0];
  return busiest?.search;
}

/** What the map knows of an edge's rate beyond its traces. */
export interface EdgeRateInfo {
  /** The SDKs' metrics' calls/s per edge (`<from> <to>`): every call, whatever the sampling. */
  metrics?: Map<string, number> | undefined;
  /** Edges (`<from> <to>`) whose traces' count is a floor: their search held more traces than it read. */
  floors: Set<string>;
}

/**
 * The rate an edge is labelled with: the traces' count when the searches read every trace of the
 * window (exact, each call weighed by its sampling probability); where they did not (a floor), the
 * metrics' rate when they name the edge (they count every call), else the floor, "≥". Not the
 * metrics first: a series younger than the window reads low (rate() over 5 minutes of a counter
 * exported for 20 s), as on a stack just started.
 */
export function shownRate(edge: MapEdge, info: EdgeRateInfo): { perSecond: number; text: string; source: 'metrics' | 'traces' } {
  const key = `${edge.from} ${edge.to}`;
  const floor = info.floors.has(key);
  const metric = info.metrics?.get(key);
  if (floor && metric !== undefined) return { perSecond: metric, text: formatValue('per-second', metric), source: 'metrics' };
  return { perSecond: edge.perSecond, text: `${floor ? '≥ ' : ''}${formatValue('per-second', edge.perSecond)}`, source: 'traces' };
}

export const edgeLabel = (edge: MapEdge, info: EdgeRateInfo): string => {
  const rate = shownRate(edge, info);
  return `${rate.text} (${rate.source}) · ${formatValue('ratio', edge.errorRate)} err · p95 ${formatMs(edge.p95Us)}`;
};

const NODE_W = 150;
const NODE_H = 40;
const ROW_H = 110;
const MARGIN = 16;
const COLUMN_GAP = 170;

const KIND_LABEL: Record<MapNode['kind'], string> = { client: 'callers', service: 'service', database: 'database', outside: 'outside API' };

interface Placed extends MapNode {
  x: number;
  y: number;
}

/**
 * Nodes in their columns, each column centred; from the second column on, ordered by where their
 * callers sit (the mean of their y), so edges cross as little as they can.
 */
function place(nodes: MapNode[], edges: MapEdge[]): { placed: Map<string, Placed>; width: number; height: number } {
  const columns = new Map<number, MapNode[]>();
  for (const n of nodes) columns.set(n.column, [...(columns.get(n.column) ?? []), n]);
  const order = [...columns.keys()].sort((a, b) => a - b);
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const height = MARGIN * 2 + tallest * ROW_H - (ROW_H - NODE_H);
  const placed = new Map<string, Placed>();
  order.forEach((column, i) => {
    const callersY = (n: MapNode) => {
      const ys = edges.filter((e) => e.to === n.id && placed.has(e.from)).map((e) => placed.get(e.from)!.y);
      return ys.length > 0 ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    };
    const list = [...columns.get(column)!].sort((a, b) => callersY(a) - callersY(b) || a.id.localeCompare(b.id));
    const top = (height - (list.length * ROW_H - (ROW_H - NODE_H))) / 2;
    list.forEach((n, row) => placed.set(n.id, { ...n, x: MARGIN + i * (NODE_W + COLUMN_GAP), y: top + row * ROW_H }));
  });
  return { placed, width: MARGIN * 2 + order.length * (NODE_W + COLUMN_GAP) - COLUMN_GAP, height };
}

type Point = [number, number];

/** The point at `t` along a cubic Bézier curve. */
function bezierAt(t: number, p0: Point, p1: Point, p2: Point, p3: Point): Point {
  const u = 1 - t;
  const at = (i: 0 | 1) => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i];
  return [at(0), at(1)];
}

/**
 * Where along its edge a label goes: an edge over several columns, in the last gap before its
 * callee (not over the nodes it passes); else 0.3 (near the caller) when more edges reach the
 * callee than leave the caller, 0.65 when fewer.
 */
function labelT(edge: MapEdge, edges: MapEdge[], columns: number): number {
  if (columns > 1) return 1 - 0.5 / columns;
  const leaving = edges.filter((e) => e.from === edge.from).length;
  const reaching = edges.filter((e) => e.to === edge.to).length;
  return reaching > leaving ? 0.3 : reaching < leaving ? 0.65 : 0.5;
}

/** A label's size, roughly: two lines of 11px text, "0.07/s · 4.8% err" wide. */
const LABEL = { w: 116, h: 30 };

/** An edge's curve: from the caller's right side to the callee's left, bending halfway. */
function curveOf(a: Placed, b: Placed): [Point, Point, Point, Point] {
  const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
  const mid = (x1 + x2) / 2;
  return [
    [x1, y1],
    [mid, y1],
    [mid, y2],
    [x2, y2],
  ];
}

/**
 * Each edge's label point: its preferred place (labelT) unless that overlaps a label placed
 * before it or a node, then the first of a few other places along the curve that does not (or,
 * if none is free, the one with the most room).
 */
function labelPoints(edges: MapEdge[], placed: Map<string, Placed>): Point[] {
  const taken: Point[] = [];
  const clashes = ([x, y]: Point) =>
    taken.some(([tx, ty]) => Math.abs(tx - x) < LABEL.w && Math.abs(ty - y) < LABEL.h) ||
    [...placed.values()].some(
      (n) => x + LABEL.w / 2 > n.x && x - LABEL.w / 2 < n.x + NODE_W && y + LABEL.h / 2 > n.y && y - LABEL.h / 2 < n.y + NODE_H,
    );
  return edges.map((edge) => {
    const a = placed.get(edge.from)!;
    const b = placed.get(edge.to)!;
    const curve = curveOf(a, b);
    const preferred = labelT(edge, edges, Math.round((b.x - a.x) / (NODE_W + COLUMN_GAP)));
    const points = [preferred, 0.5, 0.7, 0.3, 0.85, 0.15, 0.6, 0.4].map((t) => bezierAt(t, ...curve));
    // Nowhere free: the place farthest from the labels already placed.
    const room = ([x, y]: Point) => Math.min(Infinity, ...taken.map(([tx, ty]) => Math.max(Math.abs(tx - x) / LABEL.w, Math.abs(ty - y) / LABEL.h)));
    const point = points.find((p) => !clashes(p)) ?? points.reduce((best, p) => (room(p) > room(best) ? p : best));
    taken.push(point);
    return point;
  });
}

const fill = (n: MapNode): string =>
  n.kind === 'service' ? serviceColor(n.id) : n.kind === 'database' ? '#9c755f' : n.kind === 'outside' ? '#76b7b2' : '#8a94a3';

export function ServiceMapSvg({ map, lookback, rates }: { map: ServiceMap; lookback: string; rates: EdgeRateInfo }) {
  const { placed, width, height } = place(map.nodes, map.edges);
  const busiest = Math.max(0, ...map.edges.map((e) => shownRate(e, rates).perSecond));
  const labels = labelPoints(map.edges, placed);
  return (
    <figure class="servicemap" id="service-map" data-edges={map.edges.length}>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label="service map">
        <defs>
          <marker id="map-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" />
          </marker>
        </defs>
        {map.edges.map((edge, i) => {
          const [p0, p1, p2, p3] = curveOf(placed.get(edge.from)!, placed.get(edge.to)!);
          const label = labels[i]!;
          const rate = shownRate(edge, rates);
          const strokeWidth = 1.2 + (busiest > 0 ? 3 * Math.sqrt(rate.perSecond / busiest) : 0);
          return (
            <a
              class={`edge${edge.errorRate >= 0.01 ? ' failing' : ''}`}
              href={searchHref(edge.search, lookback)}
              data-from={edge.from}
              data-to={edge.to}
              data-per-second={edge.perSecond.toFixed(4)}
              data-error-rate={edge.errorRate.toFixed(4)}
              data-rate-source={rate.source}
              data-floor={rates.floors.has(`${edge.from} ${edge.to}`) ? 'true' : undefined}
            >
              <title>{`${edge.from} → ${edge.to}: ${edgeLabel(edge, rates)}, errors and p95 from ${edge.spans} spans in ${edge.traces} traces. Click: search these calls.`}</title>
              <path
                d={`M${p0.join(' ')}C${p1.join(' ')} ${p2.join(' ')} ${p3.join(' ')}`}
                stroke-width={strokeWidth.toFixed(1)}
                marker-end="url(#map-arrow)"
              />
              <text x={label[0].toFixed(1)} y={(label[1] - 4).toFixed(1)} text-anchor="middle">
                {`${rate.text} · ${formatValue('ratio', edge.errorRate)} err`}
              </text>
              <text x={label[0].toFixed(1)} y={(label[1] + 10).toFixed(1)} text-anchor="middle">
                {`p95 ${formatMs(edge.p95Us)}`}
              </text>
            </a>
          );
        })}
        {[...placed.values()].map((node) => {
          const search = nodeSearch(node, map.edges);
          const box = (
            <>
              <title>{`${node.id} (${KIND_LABEL[node.kind]})${search ? '. Click: search its spans.' : ''}`}</title>
              <rect x={node.x} y={node.y} width={NODE_W} height={NODE_H} rx="6" style={`stroke:${fill(node)}`} />
              <text class="name" x={node.x + NODE_W / 2} y={node.y + 17} text-anchor="middle">
                {node.id}
              </text>
              <text class="kind" x={node.x + NODE_W / 2} y={node.y + 32} text-anchor="middle">
                {KIND_LABEL[node.kind]}
              </text>
            </>
          );
          return search ? (
            <a class="node" href={searchHref(search, lookback)} data-node={node.id} data-kind={node.kind}>
              {box}
            </a>
          ) : (
            <g class="node" data-node={node.id} data-kind={node.kind}>
              {box}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

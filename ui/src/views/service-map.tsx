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

export const edgeLabel = (edge: MapEdge): string =>
  `${formatValue('per-second', edge.perSecond)} · ${formatValue('ratio', edge.errorRate)} err · p95 ${formatMs(edge.p95Us)}`;

const NODE_W = 150;
const NODE_H = 40;
const ROW_H = 96;
const MARGIN = 16;
const COLUMN_GAP = 150;

const KIND_LABEL: Record<MapNode['kind'], string> = { client: 'callers', service: 'service', database: 'database', outside: 'outside API' };

interface Placed extends MapNode {
  x: number;
  y: number;
}

function place(nodes: MapNode[]): { placed: Map<string, Placed>; width: number; height: number } {
  const columns = new Map<number, MapNode[]>();
  for (const n of nodes) columns.set(n.column, [...(columns.get(n.column) ?? []), n]);
  const order = [...columns.keys()].sort((a, b) => a - b);
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const height = MARGIN * 2 + tallest * ROW_H - (ROW_H - NODE_H);
  const placed = new Map<string, Placed>();
  order.forEach((column, i) => {
    const list = columns.get(column)!;
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

/** Where along its edge a label goes: 0.3 (near the caller) when more edges reach the callee than leave the caller, else 0.65. */
function labelT(edge: MapEdge, edges: MapEdge[]): number {
  const leaving = edges.filter((e) => e.from === edge.from).length;
  const reaching = edges.filter((e) => e.to === edge.to).length;
  return reaching > leaving ? 0.3 : reaching < leaving ? 0.65 : 0.5;
}

const fill = (n: MapNode): string =>
  n.kind === 'service' ? serviceColor(n.id) : n.kind === 'database' ? '#9c755f' : n.kind === 'outside' ? '#76b7b2' : '#8a94a3';

export function ServiceMapSvg({ map, lookback }: { map: ServiceMap; lookback: string }) {
  const { placed, width, height } = place(map.nodes);
  const busiest = Math.max(0, ...map.edges.map((e) => e.perSecond));
  return (
    <figure class="servicemap" id="service-map" data-edges={map.edges.length}>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label="service map">
        <defs>
          <marker id="map-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" />
          </marker>
        </defs>
        {map.edges.map((edge) => {
          const a = placed.get(edge.from)!;
          const b = placed.get(edge.to)!;
          const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
          const mid = (x1 + x2) / 2;
          // The label near the end fewer edges share: edges fanning out of one node part near their
          // targets, edges converging on one (Postgres) part near their sources.
          const label = bezierAt(labelT(edge, map.edges), [x1, y1], [mid, y1], [mid, y2], [x2, y2]);
          const strokeWidth = 1.2 + (busiest > 0 ? 3 * Math.sqrt(edge.perSecond / busiest) : 0);
          return (
            <a
              class={`edge${edge.errorRate >= 0.01 ? ' failing' : ''}`}
              href={searchHref(edge.search, lookback)}
              data-from={edge.from}
              data-to={edge.to}
              data-per-second={edge.perSecond.toFixed(4)}
              data-error-rate={edge.errorRate.toFixed(4)}
            >
              <title>{`${edge.from} → ${edge.to}: ${edgeLabel(edge)}, from ${edge.spans} spans in ${edge.traces} traces. Click: search these calls.`}</title>
              <path d={`M${x1} ${y1}C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`} stroke-width={strokeWidth.toFixed(1)} marker-end="url(#map-arrow)" />
              <text x={label[0].toFixed(1)} y={(label[1] - 4).toFixed(1)} text-anchor="middle">
                {`${formatValue('per-second', edge.perSecond)} · ${formatValue('ratio', edge.errorRate)} err`}
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

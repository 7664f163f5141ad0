/**
 * The service map (serviceMap): which service calls which, Postgres and outside APIs included, with
 * each edge's calls per second, error rate, p95 and traces, derived from traces a search read.
 * Pure functions over spans, like the rest of this package.
 */
import type { TraceSpan } from './jaeger-client.js';
import { indexSpans, kindOf, serverChildOf } from './spans.js';

/** The node for whoever called a trace's root SERVER span (a load generator, a browser, curl). */
export const CALLER_NODE = 'client';

/** client: the callers of the roots; service: a traced service; database: a DB system; outside: an HTTP API with no SERVER span. */
export type MapNodeKind = 'client' | 'service' | 'database' | 'outside';

export interface MapNode {
  id: string;
  kind: MapNodeKind;
  /** Its column, left to right: the longest chain of calls from the client (databases and outside APIs last). */
  column: number;
}

export interface MapEdge {
  from: string;
  to: string;
  /** Calls counted in the traces read, each weighed by its sampler's weight (1/p; 1 without a threshold). */
  calls: number;
  /** The spans read (CLIENT spans of `from`; for client → root, the root SERVER spans). */
  spans: number;
  /** calls / the window's seconds. */
  perSecond: number;
  /** The weighed share of calls in error: status ERROR, an `error` tag, or an HTTP status ≥ 500. */
  errorRate: number;
  /** Of the spans read (microseconds, nearest rank). */
  p95Us: number;
  /** The distinct traces the spans came from. */
  traces: number;
  /** `host:port` the calls went to (server.address / server.port, else the URL's host), for searches and metrics. */
  addresses: string[];
  /** A search that finds these spans: the caller's service (the callee's for client → root) and tags. */
  search: { service: string; tags: Record<string, string> };
}

export interface ServiceMap {
  nodes: MapNode[];
  edges: MapEdge[];
  /** Distinct traces read. */
  traces: number;
  /** The sampling probabilities the spans' thresholds said (`ot=th:…` in their tracestate), each counted 1/p; empty when none carried one. */
  samplingProbabilities: number[];
  windowMs: number;
}

/** One search's traces: a slice of the window, for one service or a route. */
export interface MapSample {
  /**
   * Count only this service's calls (and the client's calls to it, where it is the root) from these
   * traces: a search of service S returns every trace S is in, and other services' spans are
   * counted from their own searches. Undefined: count every call (a search of one route's traces).
   */
  service?: string;
  traces: TraceSpan[][];
}

/** The earliest start (ms since the epoch) of `service`'s spans (every span's when undefined) in these traces: how far back a search's page reached. */
export function earliestStartMs(traces: TraceSpan[][], service?: string): number | undefined {
  let earliest: number | undefined;
  for (const spans of traces) {
    for (const s of spans) {
      if ((service === undefined || s.service === service) && (earliest === undefined || s.startTime < earliest * 1000)) {
        earliest = s.startTime / 1000;
      }
    }
  }
  return earliest;
}

/**
 * 1/p for a span whose tracestate carries OpenTelemetry's sampling threshold (`ot=…th:T…`, 56-bit
 * hex, trailing zeros dropped; p = 1 − T/2^56), as Jaeger shows it (the `w3c.tracestate` tag); undefined without one.
 */
export function samplingWeightOf(span: TraceSpan): number | undefined {
  const state = span.tags['w3c.tracestate'];
  if (typeof state !== 'string') return undefined;
  const th = /(?:^|[,;=])th:([0-9a-f]{1,14})(?:;|,|$)/.exec(state)?.[1];
  if (th === undefined) return undefined;
  const threshold = Number.parseInt(th.padEnd(14, '0'), 16) / 2 ** 56;
  return threshold < 1 ? 1 / (1 - threshold) : undefined;
}

/** Whether a span failed: status ERROR, an `error` tag, or an HTTP answer ≥ 500. */
export function isErrorSpan(span: TraceSpan): boolean {
  const status = Number(span.tags['http.response.status_code']);
  return span.tags['otel.status_code'] === 'ERROR' || span.tags.error === true || span.tags.error === 'true' || status >= 500;
}

/** `host:port` a CLIENT span called: server.address and server.port, else its URL's host. */
export function addressOf(span: TraceSpan): string | undefined {
  const host = span.tags['server.address'];
  if (host !== undefined) return span.tags['server.port'] === undefined ? String(host) : `${String(host)}:${String(span.tags['server.port'])}`;
  try {
    return span.tags['url.full'] ? new URL(String(span.tags['url.full'])).host : undefined;
  } catch {
    return undefined;
  }
}

/** The database a CLIENT span queries (`postgres` for db.system(.name) postgresql), or undefined. */
export function databaseOf(span: TraceSpan): string | undefined {
  const system = span.tags['db.system.name'] ?? span.tags['db.system'];
  if (system === undefined) return undefined;
  return system === 'postgresql' ? 'postgres' : String(system);
}

interface Call {
  to: string;
  kind: MapNodeKind;
  span: TraceSpan;
  address: string | undefined;
  tags: Record<string, string>;
}

/** What a CLIENT span calls: the traced service that answered, else the database, else the outside host:port. */
function callOf(span: TraceSpan, index: ReturnType<typeof indexSpans>): Call | undefined {
  const address = addressOf(span);
  const byAddress: Record<string, string> = address ? { 'server.address': String(span.tags['server.address'] ?? address.split(':')[0]) } : {};
  const port: Record<string, string> = span.tags['server.port'] === undefined ? {} : { 'server.port': String(span.tags['server.port']) };
  const server = serverChildOf(span, index);
  if (server) return { to: server.service, kind: 'service', span, address, tags: { ...byAddress, ...port } };
  const database = databaseOf(span);
  if (database) {
    return {
      to: database,
      kind: 'database',
      span,
      address,
      tags: { [span.tags['db.system.name'] ? 'db.system.name' : 'db.system']: String(span.tags['db.system.name'] ?? span.tags['db.system']) },
    };
  }
  if (address) return { to: address, kind: 'outside', span, address, tags: { ...byAddress, ...port } };
  return undefined;
}

interface EdgeTally {
  from: string;
  to: string;
  kind: MapNodeKind;
  calls: number;
  errors: number;
  durations: number[];
  traces: Set<string>;
  addresses: Set<string>;
  search: { service: string; tags: Record<string, string> };
}

const p95 = (durations: number[]): number => {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
};

/** Columns: the longest chain of calls from the client (cycles cut), databases and outside APIs in the last column. */
function columnsOf(nodes: Map<string, MapNodeKind>, edges: Array<{ from: string; to: string }>): Map<string, number> {
  const column = new Map([...nodes.keys()].map((id) => [id, nodes.get(id) === 'client' ? 0 : 1]));
  for (let round = 0; round < nodes.size; round++) {
    let moved = false;
    for (const e of edges) {
      if (e.from === e.to) continue;
      const next = column.get(e.from)! + 1;
      if (next > column.get(e.to)! && next < nodes.size + 1) {
        column.set(e.to, next);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const services = [...column].filter(([id]) => nodes.get(id) === 'service' || nodes.get(id) === 'client').map(([, c]) => c);
  const last = Math.max(1, ...services) + 1;
  for (const [id, kind] of nodes) if (kind === 'database' || kind === 'outside') column.set(id, last);
  return column;
}

/**
 * The map over `windowMs` from the samples' traces: an edge per (caller, callee) with its calls per
 * second, error rate, p95 and traces. A trace is counted in every sample that holds it: give each
 * trace to one sample per service (a trace on two slices' boundary comes back from both searches).
 */
export function serviceMap(samples: MapSample[], options: { windowMs: number }): ServiceMap {
  const tallies = new Map<string, EdgeTally>();
  const nodes = new Map<string, MapNodeKind>();
  const traceIds = new Set<string>();
  const probabilities = new Set<number>();
  const count = (from: string, call: Call, search: EdgeTally['search']) => {
    const key = `${from}\u0000${call.to}`;
    const tally = tallies.get(key) ?? {
      from,
      to: call.to,
      kind: call.kind,
      calls: 0,
      errors: 0,
      durations: [],
      traces: new Set(),
      addresses: new Set(),
      search,
    };
    tallies.set(key, tally);
    const sampling = samplingWeightOf(call.span);
    if (sampling !== undefined) probabilities.add(1 / sampling);
    const w = sampling ?? 1;
    tally.calls += w;
    if (isErrorSpan(call.span)) tally.errors += w;
    tally.durations.push(call.span.duration);
    tally.traces.add(call.span.traceId);
    if (call.address) tally.addresses.add(call.address);
    nodes.set(from, nodes.get(from) ?? (from === CALLER_NODE ? 'client' : 'service'));
    if (nodes.get(call.to) !== 'service') nodes.set(call.to, call.kind);
  };
  for (const sample of samples) {
    const counts = (service: string) => sample.service === undefined || sample.service === service;
    for (const spans of sample.traces) {
      const index = indexSpans(spans);
      if (spans[0]) traceIds.add(spans[0].traceId);
      const root = index.root;
      if (root && kindOf(root) === 'server' && counts(root.service)) {
        count(CALLER_NODE, { to: root.service, kind: 'service', span: root, address: undefined, tags: {} }, { service: root.service, tags: {} });
      }
      for (const span of spans) {
        if (kindOf(span) !== 'client' || !counts(span.service)) continue;
        const call = callOf(span, index);
        if (call) count(span.service, call, { service: span.service, tags: call.tags });
      }
    }
  }
  const seconds = options.windowMs / 1000;
  const edges: MapEdge[] = [...tallies.values()]
    .map((t) => ({
      from: t.from,
      to: t.to,
      calls: t.calls,
      spans: t.durations.length,
      perSecond: t.calls / seconds,
      errorRate: t.calls > 0 ? t.errors / t.calls : 0,
      p95Us: p95(t.durations),
      traces: t.traces.size,
      addresses: [...t.addresses].sort(),
      search: t.search,
    }))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const columns = columnsOf(nodes, edges);
  return {
    nodes: [...nodes].map(([id, kind]) => ({ id, kind, column: columns.get(id)! })).sort((a, b) => a.column - b.column || a.id.localeCompare(b.id)),
    edges,
    traces: traceIds.size,
    samplingProbabilities: [...probabilities].sort((a, b) => a - b),
    windowMs: options.windowMs,
  };
}

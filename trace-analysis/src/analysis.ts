/**
 * One trace, analysed: its critical path (the chain of work the request waited on, end to end),
 * each span's self time, the waits around each hop, and the sequential-reads pattern. Pure
 * functions; times are Jaeger's microseconds.
 */
import type { TraceSpan } from './jaeger-client.js';
import {
  childrenOf,
  depthOf,
  endOf,
  indexSpans,
  kindOf,
  operationKey,
  operationOf,
  parentOf,
  routeSpanOf,
  serverChildOf,
  targetOf,
  type Operation,
  type TraceIndex,
} from './spans.js';
import { queriesOf, type QuerySpanWait } from './db-waits.js';
import { servedRequests, type ServedRequest } from './instance-verdict.js';

/** A stretch of the critical path during which `span` itself (not a child) was the work. */
export interface PathSegment {
  span: TraceSpan;
  /** Microseconds since the epoch. */
  start: number;
  end: number;
}

export interface HopWait {
  client: TraceSpan;
  server: TraceSpan;
  /** µs from the call leaving the caller to the callee starting: pool queueing and the network in. */
  before: number;
  /** µs from the callee finishing to the caller having the answer: the network back, reading it. */
  after: number;
}

export interface OperationTime extends Operation {
  /** µs of the critical path spent in this operation's own segments. */
  us: number;
  /** us / the root's duration (0..1). */
  share: number;
}

export interface ServiceTime {
  service: string;
  us: number;
  share: number;
}

/** Independent GETs to different services made one after another on the critical path. */
export interface SequentialReads {
  /** The span that made the calls (e.g. the gateway's route handler). */
  parent: TraceSpan;
  /** The route the parent runs in (its service's nearest SERVER span), e.g. 'GET /accounts/me'. */
  operation: string;
  calls: TraceSpan[];
  /** What each call reached, e.g. 'balance /v1/accounts/:account_id/balances'. */
  targets: string[];
  /** µs: the calls' durations added up, what running them one by one costs. */
  us: number;
  /** µs: what running them concurrently would save (all but the longest). */
  savable: number;
}

export interface TraceAnalysis {
  traceId: string;
  root: TraceSpan;
  /** The root's duration, µs. */
  duration: number;
  failed: boolean;
  /** Where a failed trace's error starts: the deepest span with status ERROR. */
  errorOrigin: (Operation & { errorType?: string }) | undefined;
  criticalPath: PathSegment[];
  /** Critical-path time by operation and by service, largest first. */
  onPath: { operations: OperationTime[]; services: ServiceTime[] };
  selfTimes: Map<string, number>;
  hops: HopWait[];
  sequentialReads: SequentialReads | undefined;
  /** Every query span, with what it says about its waits in the database (db-waits.ts). */
  queries: QuerySpanWait[];
  /** The requests each instance served (SERVER spans naming their service.instance.id), to compare replicas (instance-verdict.ts). */
  served?: ServedRequest[];
}

/** A child's interval clipped to the window its parent is examined over. */
interface Clipped {
  span: TraceSpan;
  start: number;
  end: number;
}

/**
 * Walks one span over [lo, hi] as Jaeger UI's critical path (Uber's CRISP) does: from the end
 * backwards, the child that finishes last before the cursor is what the span was waiting on; the
 * gap after it is the span's own work; children overlapping a later-finishing sibling are off the
 * path (the span waited on the sibling anyway). Pushes segments in reverse order.
 */
function walk(span: TraceSpan, lo: number, hi: number, index: TraceIndex, out: PathSegment[]): void {
  // Clipping: a child ending after its parent counts as ending when the parent does (the parent
  // did not wait for the rest); one starting before it (clock skew) as starting with it.
  const kids: Clipped[] = childrenOf(span, index)
    .map((c) => ({ span: c, start: Math.max(c.startTime, lo), end: Math.min(endOf(c), hi) }))
    .filter((c) => c.end > c.start)
    .sort((a, b) => b.end - a.end || a.start - b.start);
  let cursor = hi;
  for (const child of kids) {
    if (child.end > cursor) continue; // ran alongside the later-finishing child already taken
    if (child.end < cursor) out.push({ span, start: child.end, end: cursor });
    walk(child.span, child.start, child.end, index, out);
    cursor = child.start;
  }
  if (cursor > lo) out.push({ span, start: lo, end: cursor });
}

function pathOf(index: TraceIndex): PathSegment[] {
  if (!index.root) return [];
  const out: PathSegment[] = [];
  walk(index.root, index.root.startTime, endOf(index.root), index, out);
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The critical path: segments ordered by start that cover the root from its start to its end
 * exactly, without overlap. The root is the span with no parent in the trace (the earliest, and
 * of those the longest, when there are several: see rootOf).
 */
export function criticalPath(spans: TraceSpan[]): PathSegment[] {
  return pathOf(indexSpans(spans));
}

/** The spans the critical path goes through: those with a segment and all their ancestors. */
export function criticalSpanIds(path: PathSegment[], spans: TraceSpan[] | TraceIndex): Set<string> {
  const index = Array.isArray(spans) ? indexSpans(spans) : spans;
  const ids = new Set<string>();
  for (const { span } of path) {
    for (let s: TraceSpan | undefined = span; s && !ids.has(s.spanId); s = parentOf(s, index)) ids.add(s.spanId);
  }
  return ids;
}

function selfTimesOf(index: TraceIndex): Map<string, number> {
  const self = new Map<string, number>();
  for (const s of index.spans) {
    const intervals = childrenOf(s, index)
      .map((c) => [Math.max(c.startTime, s.startTime), Math.min(endOf(c), endOf(s))] as const)
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    // The union of the children's intervals: concurrent children cover the same time once.
    let covered = 0;
    let until = -Infinity;
    for (const [a, b] of intervals) {
      if (b <= until) continue;
      covered += b - Math.max(a, until);
      until = b;
    }
    self.set(s.spanId, s.duration - covered);
  }
  return self;
}

/** Each span's duration minus the union of its children's intervals (clipped to the span), µs. */
export function selfTimes(spans: TraceSpan[]): Map<string, number> {
  return selfTimesOf(indexSpans(spans));
}

function hopsOf(index: TraceIndex): HopWait[] {
  const hops: HopWait[] = [];
  for (const client of index.spans) {
    if (kindOf(client) !== 'client') continue;
    for (const server of childrenOf(client, index)) {
      if (kindOf(server) !== 'server' || server.service === client.service) continue;
      // Negative values are clock skew between the two hosts (a server "starting" before its
      // caller sent the request), not time: clamped to 0 rather than shown as a negative wait.
      hops.push({
        client,
        server,
        before: Math.max(0, server.startTime - client.startTime),
        after: Math.max(0, endOf(client) - endOf(server)),
      });
    }
  }
  return hops.sort((a, b) => a.client.startTime - b.client.startTime);
}

/** The wait before and after each CLIENT → SERVER hop into another service, µs. */
export function hopWaits(spans: TraceSpan[]): HopWait[] {
  return hopsOf(indexSpans(spans));
}

const isGet = (s: TraceSpan): boolean => (s.tags['http.request.method'] ?? s.name) === 'GET';

/**
 * GETs are reads; two reads from different services depend on nothing but the request, so made one
 * after the other they cost the sum where they could cost the longest. POST steps (hold, charge,
 * capture) depend on each other and are not this pattern. The peer is the service the call reached
 * (its SERVER child), else the URL's host for an untraced API.
 */
function sequentialReadsOf(path: PathSegment[], index: TraceIndex): SequentialReads | undefined {
  const onPath = criticalSpanIds(path, index);
  const peerOf = (c: TraceSpan): string | undefined => {
    const server = serverChildOf(c, index);
    if (server) return server.service;
    return c.tags['url.full'] ? (targetOf(c, index)?.split('/')[0] ?? undefined) : undefined;
  };
  let best: SequentialReads | undefined;
  const consider = (parent: TraceSpan, run: TraceSpan[]) => {
    if (run.length < 2) return;
    const durations = run.map((c) => c.duration);
    const us = durations.reduce((a, b) => a + b, 0);
    if (best && best.us >= us) return;
    best = {
      parent,
      operation: routeSpanOf(parent, index)?.name ?? parent.name,
      calls: run,
      targets: run.map((c) => targetOf(c, index) ?? c.name),
      us,
      savable: us - Math.max(...durations),
    };
  };
  for (const parent of index.spans.filter((s) => onPath.has(s.spanId))) {
    // The parent's children that are on the path, in order: "back to back" = adjacent here.
    let run: TraceSpan[] = [];
    let peers = new Set<string>();
    for (const c of childrenOf(parent, index).filter((x) => onPath.has(x.spanId))) {
      const peer = kindOf(c) === 'client' && isGet(c) ? peerOf(c) : undefined;
      const last = run.at(-1);
      if (!peer || (last && endOf(last) > c.startTime) || peers.has(peer)) {
        consider(parent, run);
        run = [];
        peers = new Set();
      }
      if (!peer) continue;
      run.push(c);
      peers.add(peer);
    }
    consider(parent, run);
  }
  return best;
}

/** Critical-path time by operation (plumbing folded into its route) and by service. */
function onPathOf(path: PathSegment[], index: TraceIndex, duration: number): TraceAnalysis['onPath'] {
  const ops = new Map<string, OperationTime>();
  const services = new Map<string, ServiceTime>();
  const share = (us: number) => (duration > 0 ? us / duration : 0);
  for (const seg of path) {
    const op = operationOf(seg.span, index);
    const us = seg.end - seg.start;
    const key = operationKey(op);
    const o = ops.get(key) ?? { ...op, us: 0, share: 0 };
    o.us += us;
    o.share = share(o.us);
    ops.set(key, o);
    const s = services.get(op.service) ?? { service: op.service, us: 0, share: 0 };
    s.us += us;
    s.share = share(s.us);
    services.set(op.service, s);
  }
  const bySize = <T extends { us: number }>(xs: Iterable<T>) => [...xs].sort((a, b) => b.us - a.us);
  return { operations: bySize(ops.values()), services: bySize(services.values()) };
}

/** The deepest ERROR span (ties: the earliest), as the operation it counts against. */
function errorOriginOf(index: TraceIndex): TraceAnalysis['errorOrigin'] {
  const errors = index.spans
    .filter((s) => s.tags['otel.status_code'] === 'ERROR')
    .map((s) => ({ s, depth: depthOf(s, index) }))
    .sort((a, b) => b.depth - a.depth || a.s.startTime - b.s.startTime);
  // A root answering 5xx with no span marked ERROR still failed; it is then its own origin.
  const origin = errors[0]?.s ?? index.root!;
  const errorType = origin.tags['error.type'] ?? origin.tags['http.response.status_code'];
  return { ...operationOf(origin, index), ...(errorType === undefined ? {} : { errorType: String(errorType) }) };
}

export function analyzeTrace(spans: TraceSpan[]): TraceAnalysis {
  const index = indexSpans(spans);
  const root = index.root;
  if (!root) throw new Error('analyzeTrace: a trace with no spans');
  const path = pathOf(index);
  const failed = root.tags['otel.status_code'] === 'ERROR' || Number(root.tags['http.response.status_code'] ?? 0) >= 500;
  return {
    traceId: root.traceId,
    root,
    duration: root.duration,
    failed,
    errorOrigin: failed ? errorOriginOf(index) : undefined,
    criticalPath: path,
    onPath: onPathOf(path, index, root.duration),
    selfTimes: selfTimesOf(index),
    hops: hopsOf(index),
    sequentialReads: sequentialReadsOf(path, index),
    queries: queriesOf(index),
    served: servedRequests(spans),
  };
}

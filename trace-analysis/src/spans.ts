/**
 * The trace as a tree, and what each span is called: the shared vocabulary of the detective's
 * analysis, verdict and charts. Pure functions over the spans; nothing is cached between calls.
 */
import type { TraceSpan } from './jaeger-client.js';

/** The spans of one trace with their tree: parent and children by span id, and the root. */
export interface TraceIndex {
  spans: TraceSpan[];
  byId: Map<string, TraceSpan>;
  /** Children of each span, by start time (only spans whose parent is in the trace). */
  children: Map<string, TraceSpan[]>;
  root: TraceSpan | undefined;
}

/** What a span's time is, for the advice the verdict gives. */
export type OperationCategory =
  /** A SERVER span's own code (with Fastify's plumbing folded in): time in no child span. */
  | 'handler'
  /** A CLIENT span calling one of our services: its own time is pool queueing and the network. */
  | 'hop'
  /** A CLIENT span calling an HTTP API with no SERVER span in the trace (Stripe, an outside API). */
  | 'outside'
  /** A database query. */
  | 'query'
  /** Any other CLIENT span. */
  | 'client'
  /** A request waiting in a connection pool's queue (services' `wait for <pool> connection` spans). */
  | 'pool'
  /** An INTERNAL span that is not Fastify's plumbing. */
  | 'internal';

/** What critical-path time and errors are counted against: one operation of one service. */
export interface Operation {
  service: string;
  /** The span name as Jaeger shows it (for folded plumbing: its SERVER span's name). */
  operation: string;
  /** For CLIENT spans, what they call (the names Jaeger shows, "POST", say nothing). */
  target?: string;
  category: OperationCategory;
}

export const endOf = (s: TraceSpan): number => s.startTime + s.duration;
export const kindOf = (s: TraceSpan): string => s.kind ?? 'internal';

/**
 * The root: the span whose parent is not in the trace. When there are several (a parent lost on
 * the way, a trace stitched from two), the earliest is the request as the user saw it, and of
 * those starting together the longest (it contains the others).
 */
export function rootOf(spans: TraceSpan[]): TraceSpan | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  return roots.sort((a, b) => a.startTime - b.startTime || b.duration - a.duration)[0];
}

export function indexSpans(spans: TraceSpan[]): TraceIndex {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, TraceSpan[]>();
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
    }
  }
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime);
  return { spans, byId, children, root: rootOf(spans) };
}

export const childrenOf = (s: TraceSpan, index: TraceIndex): TraceSpan[] => index.children.get(s.spanId) ?? [];
export const parentOf = (s: TraceSpan, index: TraceIndex): TraceSpan | undefined => (s.parentSpanId ? index.byId.get(s.parentSpanId) : undefined);

/** The SERVER span a CLIENT span reached in another service, if that service is traced. */
export const serverChildOf = (s: TraceSpan, index: TraceIndex): TraceSpan | undefined =>
  kindOf(s) === 'client' ? childrenOf(s, index).find((c) => kindOf(c) === 'server' && c.service !== s.service) : undefined;

/**
 * Fastify's own spans (@fastify/otel): 'request', 'handler - <fn>', 'hook - <name>'. They wrap the
 * route's code, so their time is the route's time; other INTERNAL spans (say 'wait for stripe
 * connection') are steps the code chose to record and keep their name.
 */
export const isPlumbing = (s: TraceSpan): boolean =>
  kindOf(s) === 'internal' && (s.name === 'request' || s.name.startsWith('handler - ') || s.name.startsWith('hook - '));

/** The span whose operation a span's own time is counted against (plumbing → its SERVER span). */
export function attributedSpan(s: TraceSpan, index: TraceIndex): TraceSpan {
  if (!isPlumbing(s)) return s;
  for (let p = parentOf(s, index); p && p.service === s.service; p = parentOf(p, index)) {
    if (kindOf(p) === 'server') return p;
  }
  return s;
}

/** The nearest SERVER span of the span's own service, itself included: the route it runs in. */
export function routeSpanOf(s: TraceSpan, index: TraceIndex): TraceSpan | undefined {
  for (let p: TraceSpan | undefined = s; p && p.service === s.service; p = parentOf(p, index)) {
    if (kindOf(p) === 'server') return p;
  }
  return undefined;
}

export const collapseSql = (sql: string): string => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
};

/** host:port/path of a URL (no query: it holds ids that make every call look different). */
function hostPath(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return undefined;
  }
}

/** What a CLIENT span calls: our service and route, else the URL's host and path, else the SQL. */
export function targetOf(s: TraceSpan, index: TraceIndex): string | undefined {
  if (kindOf(s) !== 'client') return undefined;
  const server = serverChildOf(s, index);
  if (server) return `${server.service} ${String(server.tags['http.route'] ?? server.name)}`;
  if (s.tags['url.full']) return hostPath(String(s.tags['url.full']));
  if (s.tags['db.query.text']) return collapseSql(String(s.tags['db.query.text']));
  return undefined;
}

function categoryOf(s: TraceSpan, index: TraceIndex): OperationCategory {
  const kind = kindOf(s);
  if (kind === 'server') return 'handler';
  if (kind !== 'client') return s.tags['paytrace.pool.name'] === undefined ? 'internal' : 'pool';
  if (serverChildOf(s, index)) return 'hop';
  if (s.tags['db.query.text'] || s.tags['db.system.name'] || s.tags['db.system']) return 'query';
  return s.tags['url.full'] ? 'outside' : 'client';
}

/** The operation a span's own time and errors count against. */
export function operationOf(s: TraceSpan, index: TraceIndex): Operation {
  const span = attributedSpan(s, index);
  const target = targetOf(span, index);
  return { service: span.service, operation: span.name, ...(target ? { target } : {}), category: categoryOf(span, index) };
}

/** A key that tells operations apart (service, name and target). */
export const operationKey = (op: { service: string; operation: string; target?: string | undefined }): string =>
  `${op.service}\u0000${op.operation}\u0000${op.target ?? ''}`;

/** A readable label, e.g. `payments POST → 127.0.0.1:12111/v1/charges`. */
export function operationLabel(span: TraceSpan, spans: TraceSpan[] | TraceIndex): string {
  const index = Array.isArray(spans) ? indexSpans(spans) : spans;
  const target = targetOf(span, index);
  return `${span.service} ${span.name}${target ? ` → ${target}` : ''}`;
}

/** Ancestors in the trace (0 for the root): how deep a span sits in the call chain. */
export function depthOf(s: TraceSpan, index: TraceIndex): number {
  let depth = 0;
  const seen = new Set([s.spanId]);
  for (let p = parentOf(s, index); p && !seen.has(p.spanId); p = parentOf(p, index)) {
    seen.add(p.spanId);
    depth++;
  }
  return depth;
}

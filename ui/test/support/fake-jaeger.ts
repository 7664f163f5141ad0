/**
 * A fake Jaeger query API on 127.0.0.1 for the UI's tests: traces kept in Jaeger's JSON shape and
 * served as Jaeger 2.13 serves them, in OTLP JSON from /api/v3 (a trace at /api/v3/traces/<id>,
 * searches at /api/v3/traces?…, the services and their operations the traces hold) and, for a
 * search by tags, in Jaeger's JSON from /api/traces?…; every search recorded and answered as
 * Jaeger's store would (or refused, or never answered).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { OtlpAnyValue, OtlpTraces } from '@paytrace/trace-analysis';

export interface JaegerSpanJson {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  tags: Array<{ key: string; type: string; value: unknown }>;
  logs?: Array<{ timestamp?: number; fields: Array<{ key: string; type?: string; value: unknown }> }>;
  processID: string;
}
export interface JaegerTraceJson {
  traceID: string;
  spans: JaegerSpanJson[];
  processes: Record<string, { serviceName: string; tags?: Array<{ key: string; type: string; value: unknown }> }>;
}

/** A duration as Jaeger's search takes it (`150ms`, `1.5s`, `800us`), in µs. */
const durationUs = (text: string): number => {
  const [, n, unit] = /^([0-9.]+)(us|ms|s)$/.exec(text)!;
  return Number(n) * { us: 1, ms: 1_000, s: 1_000_000 }[unit as 'us' | 'ms' | 's'];
};

export const tagOf = (s: JaegerSpanJson, key: string): unknown => s.tags.find((t) => t.key === key)?.value;

/** /api/v3's RFC 3339 time (with µs) as µs since the epoch. */
export function microsOf(rfc3339: string): number {
  const fraction = /\.(\d+)Z$/.exec(rfc3339)?.[1] ?? '';
  return Math.floor(Date.parse(rfc3339.replace(/\.\d+Z$/, 'Z')) * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6)));
}

/** A /api/v3 search's parameters as /api/traces names them, so a test reads either the same way. */
function asInternalSearch(q: URLSearchParams): URLSearchParams {
  const names: Array<[string, string]> = [
    ['query.service_name', 'service'],
    ['query.operation_name', 'operation'],
    ['query.num_traces', 'limit'],
    ['query.duration_min', 'minDuration'],
    ['query.duration_max', 'maxDuration'],
  ];
  const out = new URLSearchParams({ api: 'v3' });
  for (const [v3, internal] of names) if (q.has(v3)) out.set(internal, q.get(v3)!);
  if (q.has('query.start_time_min')) out.set('start', String(microsOf(q.get('query.start_time_min')!)));
  if (q.has('query.start_time_max')) out.set('end', String(microsOf(q.get('query.start_time_max')!)));
  return out;
}

/** The tags Jaeger makes of a span's fields (kind, status, scope, trace state), not of its attributes. */
const SPAN_FIELD_TAGS = new Set([
  'span.kind',
  'otel.status_code',
  'error',
  'otel.status_description',
  'otel.scope.name',
  'otel.scope.version',
  'w3c.tracestate',
]);
const KINDS: Record<string, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

function otlpValue(type: string | undefined, value: unknown): OtlpAnyValue {
  if (type === 'int64' || (type === undefined && Number.isInteger(value))) return { intValue: String(value) };
  if (type === 'float64' || typeof value === 'number') return { doubleValue: Number(value) };
  if (type === 'bool' || typeof value === 'boolean') return { boolValue: Boolean(value) };
  return { stringValue: String(value) };
}

/** A Jaeger JSON trace as /api/v3 gives it: OTLP JSON, a resource per process (the reverse of Jaeger's translation). */
export function toOtlp(trace: JaegerTraceJson): OtlpTraces {
  const attributes = (tags: Array<{ key: string; type?: string; value: unknown }>) =>
    tags.map((t) => ({ key: t.key, value: otlpValue(t.type, t.value) }));
  return {
    resourceSpans: Object.entries(trace.processes).map(([id, p]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: p.serviceName } }, ...attributes(p.tags ?? [])] },
      // A scope per span: Jaeger keeps the scope as each span's otel.scope.* tags.
      scopeSpans: trace.spans
        .filter((s) => s.processID === id)
        .map((s) => {
          const parent = s.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === s.traceID);
          const status = tagOf(s, 'otel.status_code');
          const description = tagOf(s, 'otel.status_description');
          const scope = { name: tagOf(s, 'otel.scope.name'), version: tagOf(s, 'otel.scope.version') };
          return {
            scope: Object.fromEntries(Object.entries(scope).filter(([, v]) => v !== undefined)) as { name?: string; version?: string },
            spans: [
              {
                traceId: s.traceID,
                spanId: s.spanID,
                ...(parent ? { parentSpanId: parent.spanID } : {}),
                name: s.operationName,
                kind: KINDS[String(tagOf(s, 'span.kind'))] ?? 0,
                startTimeUnixNano: String(BigInt(s.startTime) * 1000n),
                endTimeUnixNano: String(BigInt(s.startTime + s.duration) * 1000n),
                attributes: attributes(s.tags.filter((t) => !SPAN_FIELD_TAGS.has(t.key))),
                events: (s.logs ?? []).map((l) => {
                  const name = l.fields.find((f) => f.key === 'event')?.value;
                  return {
                    timeUnixNano: String(BigInt(l.timestamp ?? s.startTime) * 1000n),
                    ...(name === undefined ? {} : { name: String(name) }),
                    attributes: attributes(l.fields.filter((f) => f.key !== 'event')),
                  };
                }),
                links: s.references.filter((r) => r !== parent).map((r) => ({ traceId: r.traceID, spanId: r.spanID })),
                status: {
                  ...(status === 'ERROR' ? { code: 2 } : status === 'OK' ? { code: 1 } : {}),
                  ...(description ? { message: String(description) } : {}),
                },
              },
            ],
          };
        }),
    })),
  };
}

/** A fake Jaeger query API: traces from a store, searches recorded (in /api/traces's terms, whichever API asked) and answered as set. */
export class FakeJaeger {
  traces = new Map<string, JaegerTraceJson>();
  /**
   * Every search, in /api/traces's parameter names whichever API it came through (service,
   * operation, start/end in µs, limit, minDuration, maxDuration, tags), and `api`: v3 or internal.
   */
  searches: URLSearchParams[] = [];
  /** ok: answer from the store; refuse: a 500; freeze: never answer. */
  search: 'ok' | 'refuse' | 'freeze' = 'ok';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  url = '';

  async start() {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop() {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  reset(...traces: JaegerTraceJson[]) {
    this.traces = new Map(traces.map((t) => [t.traceID, t]));
    this.searches = [];
    this.search = 'ok';
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, 'http://jaeger');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const notFound = () => json(404, { error: { httpCode: 404, message: 'No traces found' } });
    const one = /^\/api\/v3\/traces\/([0-9a-f]+)$/.exec(url.pathname);
    if (one) {
      const trace = this.traces.get(one[1]!);
      return trace ? json(200, { result: toOtlp(trace) }) : notFound();
    }
    const services = () => new Set([...this.traces.values()].flatMap((t) => Object.values(t.processes).map((p) => p.serviceName)));
    if (url.pathname === '/api/v3/services') return json(200, { services: [...services()] });
    if (url.pathname === '/api/v3/operations') {
      const service = url.searchParams.get('service');
      const spans = [...this.traces.values()].flatMap((t) => t.spans.filter((s) => t.processes[s.processID]!.serviceName === service));
      const kinds = new Map(spans.map((s) => [s.operationName, String(tagOf(s, 'span.kind') ?? '')]));
      return json(200, { operations: [...kinds].map(([name, spanKind]) => ({ name, spanKind })) });
    }
    const v3 = url.pathname === '/api/v3/traces';
    if (!v3 && url.pathname !== '/api/traces') return json(404, { data: null });
    this.searches.push(v3 ? asInternalSearch(url.searchParams) : new URLSearchParams([...url.searchParams, ['api', 'internal']]));
    if (this.search === 'freeze') return undefined;
    if (this.search === 'refuse') return json(500, { data: null, errors: [{ code: 500, msg: 'search depth exceeded' }] });
    // As Jaeger's store does: one span of the service and operation, carrying every tag, in the window.
    const q = url.searchParams;
    const service = q.get(v3 ? 'query.service_name' : 'service');
    const operation = q.get(v3 ? 'query.operation_name' : 'operation');
    const tags = JSON.parse((!v3 && q.get('tags')) || '{}') as Record<string, string>;
    const [minDuration, maxDuration] = v3 ? [q.get('query.duration_min'), q.get('query.duration_max')] : [q.get('minDuration'), q.get('maxDuration')];
    const [start, end, limit] = v3
      ? [microsOf(q.get('query.start_time_min')!), microsOf(q.get('query.start_time_max')!), Number(q.get('query.num_traces'))]
      : ['start', 'end', 'limit'].map((k) => Number(q.get(k)));
    const found = [...this.traces.values()]
      .filter((t) =>
        t.spans.some(
          (s) =>
            t.processes[s.processID]!.serviceName === service &&
            (!operation || s.operationName === operation) &&
            s.startTime >= start! &&
            s.startTime <= end! &&
            (!minDuration || s.duration >= durationUs(minDuration)) &&
            (!maxDuration || s.duration <= durationUs(maxDuration)) &&
            Object.entries(tags).every(([k, v]) => String(tagOf(s, k)) === v),
        ),
      )
      .slice(0, limit);
    if (!v3) return json(200, { data: found });
    return found.length === 0 ? notFound() : json(200, { result: { resourceSpans: found.flatMap((t) => toOtlp(t).resourceSpans) } });
  }
}

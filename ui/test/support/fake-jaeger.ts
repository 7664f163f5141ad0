/**
 * A fake Jaeger query API on 127.0.0.1 for the UI's tests: traces in Jaeger's JSON shape served at
 * /api/traces/<id>, the services they name at /api/services, searches at /api/traces?… recorded and answered as Jaeger's store would (or
 * refused, or never answered).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface JaegerSpanJson {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  tags: Array<{ key: string; type: string; value: unknown }>;
  processID: string;
}
export interface JaegerTraceJson {
  traceID: string;
  spans: JaegerSpanJson[];
  processes: Record<string, { serviceName: string }>;
}

export const tagOf = (s: JaegerSpanJson, key: string): unknown => s.tags.find((t) => t.key === key)?.value;

/** A fake Jaeger query API: /api/traces/<id> from a store, /api/traces?… searches recorded and answered as set. */
export class FakeJaeger {
  traces = new Map<string, JaegerTraceJson>();
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
    const one = /^\/api\/traces\/([0-9a-f]+)$/.exec(url.pathname);
    if (one) {
      const trace = this.traces.get(one[1]!);
      return trace ? json(200, { data: [trace] }) : json(404, { data: null, errors: [{ code: 404, msg: 'trace not found' }] });
    }
    if (url.pathname === '/api/services') {
      const services = new Set([...this.traces.values()].flatMap((t) => Object.values(t.processes).map((p) => p.serviceName)));
      return json(200, { data: [...services] });
    }
    if (url.pathname !== '/api/traces') return json(404, { data: null });
    this.searches.push(url.searchParams);
    if (this.search === 'freeze') return undefined;
    if (this.search === 'refuse') return json(500, { data: null, errors: [{ code: 500, msg: 'search depth exceeded' }] });
    // As Jaeger's store does: one span of the service and operation, carrying every tag, in the window.
    const q = url.searchParams;
    const tags = JSON.parse(q.get('tags') ?? '{}') as Record<string, string>;
    const [start, end, limit] = ['start', 'end', 'limit'].map((k) => Number(q.get(k)));
    const found = [...this.traces.values()].filter((t) =>
      t.spans.some(
        (s) =>
          t.processes[s.processID]!.serviceName === q.get('service') &&
          (!q.get('operation') || s.operationName === q.get('operation')) &&
          s.startTime >= start! &&
          s.startTime <= end! &&
          Object.entries(tags).every(([k, v]) => String(tagOf(s, k)) === v),
      ),
    );
    return json(200, { data: found.slice(0, limit) });
  }
}

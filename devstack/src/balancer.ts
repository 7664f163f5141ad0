/** A local HTTP load balancer in front of a service's replicas (startBalancer): round robin by request, invisible in traces. */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { BalancedPool } from 'undici';

export interface Balancer {
  port: number;
  /** The replicas' base URLs, in the order requests go round them. */
  upstreams: string[];
  close(): Promise<void>;
}

/** Headers of one connection, not of the request (RFC 9110 §7.6.1): never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())));
}

/**
 * An HTTP/1.1 reverse proxy on `port` that sends each request to the next of `upstreams` (undici's
 * BalancedPool: weighted round robin over a keep-alive pool per replica, a replica that fails to
 * connect weighted down). By request, not by connection: the callers keep connections alive
 * (undici pools), so a TCP balancer would pin each caller's few connections to a replica and
 * spread the load only by luck. Bytes and headers pass as they are (traceparent, tracestate,
 * baggage too) and it records no span, like a cloud load balancer: a trace shows the caller's
 * CLIENT span and the replica's SERVER span, and the replica's service.instance.id says which.
 */
export async function startBalancer(options: { port: number; upstreams: string[] }): Promise<Balancer> {
  const pool = new BalancedPool(options.upstreams);
  const server = createServer((req, res) => {
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    pool.stream(
      {
        path: req.url ?? '/',
        method: req.method as 'GET',
        headers: endToEnd(req.headers) as Record<string, string>,
        ...(hasBody ? { body: req as Readable } : {}),
        opaque: res,
      },
      ({ statusCode, headers, opaque }) => {
        const answer = opaque as typeof res;
        answer.writeHead(statusCode, endToEnd(headers));
        return answer;
      },
      (err) => {
        if (!err) return;
        if (res.headersSent) res.destroy(err);
        else res.writeHead(502, { 'content-type': 'text/plain' }).end(`no replica answered: ${err.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    upstreams: [...options.upstreams],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.destroy();
    },
  };
}

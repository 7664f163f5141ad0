/** A TCP proxy that delays a real server's answers (startLatencyProxy), its latency settable while it runs. */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LatencyProxy {
  port: number;
  /** Added before each chunk of the upstream's answer is passed on. */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real server that delays its answers. It changes nothing in the
 * bytes: the client still talks to the real server (stripe-mock), only slower. Used to make Stripe
 * slow enough to time out in tests, and to give the local stack the latency of a remote API.
 */
export async function startLatencyProxy(options: {
  targetPort: number;
  targetHost?: string;
  port?: number;
  latencyMs?: number;
}): Promise<LatencyProxy> {
  let latencyMs = options.latencyMs ?? 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(options.targetPort, options.targetHost ?? '127.0.0.1');
    sockets.add(client).add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.pipe(upstream);
    // Answers are queued in order, each released `latencyMs` after it arrived. With no latency
    // and nothing queued a chunk goes straight through: a timer, even of 0 ms, costs ~1 ms.
    let chain = Promise.resolve();
    let queued = 0;
    upstream.on('data', (chunk: Buffer) => {
      if (latencyMs === 0 && queued === 0) {
        if (!client.destroyed) client.write(chunk);
        return;
      }
      const due = Date.now() + latencyMs;
      queued++;
      chain = chain
        .then(() => new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now()))))
        .then(() => {
          queued--;
          if (!client.destroyed) client.write(chunk);
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

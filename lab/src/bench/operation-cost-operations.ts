/**
 * The operations `npm run bench:operations` measures (operation-cost-worker.ts runs them): each a
 * payment's instrumented operation through the services' own code (createServiceApp, JsonClient,
 * createPool + query, openFaultFlags), against the real Postgres. What stands in for a peer (the
 * HTTP client of the server, the HTTP server of the client) is raw sockets, which no
 * instrumentation sees, so that only the operation under test is instrumented.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { createPool, createServiceApp, JsonClient, openFaultFlags, query, Type } from '@paytrace/services';

export interface Operation {
  /** Runs the operation once. */
  run(): Promise<unknown>;
  /** The CPU clock ticks of a process outside this one that the operation makes work (Postgres's backend). */
  peerCpuUs?(): number;
  close(): Promise<void>;
}

const tracer = trace.getTracer('@paytrace/lab/operation-costs');

/** The length of the first whole HTTP/1.1 message in `buffer` (head and Content-Length body), or undefined while it is incomplete. */
function wholeMessageLength(buffer: Buffer): number | undefined {
  const headerEnd = buffer.indexOf('\r\n\r\n');
  if (headerEnd < 0) return undefined;
  const total = headerEnd + 4 + Number(/content-length: *(\d+)/i.exec(buffer.subarray(0, headerEnd).toString('latin1'))?.[1] ?? 0);
  return buffer.length < total ? undefined : total;
}

/** A minimal HTTP/1.1 exchange over one keep-alive socket: writes a request, resolves when the whole answer is in. */
class RawExchange {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: ((response: Buffer) => void) | undefined;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.deliver();
    });
  }

  private deliver(): void {
    const waiting = this.waiting;
    const total = waiting && wholeMessageLength(this.buffer);
    if (!waiting || !total) return;
    const response = this.buffer.subarray(0, total);
    this.buffer = this.buffer.subarray(total);
    this.waiting = undefined;
    waiting(response);
  }

  send(request: string | Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(request);
    });
  }
}

const BODY = JSON.stringify({ accountId: 'acct_bench', amountCents: 1250, currency: 'usd' });

/** An incoming request through a service's Fastify app (createServiceApp, a JSON schema on body and answer). */
async function httpServer(options: { traceparent: boolean }): Promise<Operation> {
  const app = createServiceApp({ logger: false });
  app.post(
    '/bench',
    {
      schema: {
        body: Type.Object({ accountId: Type.String(), amountCents: Type.Integer(), currency: Type.String() }),
        response: { 200: Type.Object({ ok: Type.Boolean(), amountCents: Type.Integer() }) },
      },
    },
    async (request) => ({ ok: true, amountCents: request.body.amountCents }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  socket.setNoDelay(true);
  const exchange = new RawExchange(socket);
  // Behind the edge a request carries its caller's decision: sampled when this configuration samples.
  const flags = tracer.startSpan('bench.decision').isRecording() ? '01' : '00';
  const head = `POST /bench HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n`;
  return {
    run: () =>
      exchange.send(
        options.traceparent
          ? `${head}traceparent: 00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${flags}\r\n\r\n${BODY}`
          : `${head}\r\n${BODY}`,
      ),
    close: async () => {
      socket.destroy();
      await app.close();
    },
  };
}

/** A raw HTTP/1.1 server that answers every request with the same small JSON: the peer of the undici call. */
async function rawJsonResponder(): Promise<{ url: string; close(): Promise<void> }> {
  const answer = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nkeep-alive: timeout=30\r\n\r\n{"ok":true}');
  const server = createServer((socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (let total = wholeMessageLength(pending); total; total = wholeMessageLength(pending)) {
        pending = pending.subarray(total);
        socket.write(answer);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An outgoing call through the services' JsonClient (undici, the context-preserving pool, a deadline). */
async function undiciCall(): Promise<Operation> {
  const responder = await rawJsonResponder();
  const client = new JsonClient({ name: 'bench', baseUrl: responder.url, timeoutMs: 5_000 });
  const body = JSON.parse(BODY) as unknown;
  return {
    run: () => client.request('POST', '/bench', { body, deadline: Date.now() + 5_000 }),
    close: async () => {
      await client.close();
      await responder.close();
    },
  };
}

/** user + system clock ticks of a process, in µs (Linux /proc; 100 ticks a second). */
function processCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** A parameterised query through the services' pool (createPool, with its wait watcher), as a service runs it. */
async function pgQuery(): Promise<Operation> {
  const logger = { warn: () => undefined } as unknown as Parameters<typeof createPool>[0]['logger'];
  // The database-wait watcher on, at the services' default threshold, as in every service.
  const pool = createPool({
    url: process.env.BENCH_DATABASE_URL!,
    poolSize: 1,
    statementTimeoutMs: 5_000,
    logger,
    applicationName: 'bench',
    waits: { sampleAfterMs: 5 },
  });
  // One connection: every query runs on this backend, whose CPU is Postgres's share of the query.
  const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return {
    run: () => query(pool, 'SELECT balance FROM balance.balances WHERE account_id = $1 AND currency = $2', ['acct_bench', 'usd']),
    peerCpuUs: () => processCpuUs(backend),
    close: () => pool.end(),
  };
}

/** A fault switch read through OpenFeature and flagd's in-process provider, with its span event hook. */
async function flagEvaluation(): Promise<Operation> {
  const app = createServiceApp({ logger: false });
  const flags = await openFaultFlags(app, 'bench');
  return {
    run: () => flags.isOn('balance-velocity-check-under-lock'),
    close: () => app.close(),
  };
}

/** The parent every operation above runs under: a span started and ended, no work in it. */
async function parentSpan(): Promise<Operation> {
  return {
    run: () => {
      tracer.startSpan('bench.parent').end();
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

/** Every operation the benchmark knows, in its report's order: how to set it up, and whether it runs under a parent span. */
export const OPERATIONS = {
  'http-server-root': { setup: () => httpServer({ traceparent: false }), underParent: false },
  'http-server-child': { setup: () => httpServer({ traceparent: true }), underParent: false },
  'undici-call': { setup: undiciCall, underParent: true },
  'pg-query': { setup: pgQuery, underParent: true },
  'flag-evaluation': { setup: flagEvaluation, underParent: true },
  'span-start-end': { setup: parentSpan, underParent: false },
} as const;
export type OperationName = keyof typeof OPERATIONS;

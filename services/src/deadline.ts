/** Deadlines that travel between hops: the x-request-timeout-ms header read into request.deadline, and what remains of it. */
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';
import { serverSpan } from './tracing.js';

/**
 * Deadlines that travel: a caller tells each hop how much of its time is left, as a relative
 * number of milliseconds (like gRPC's `grpc-timeout` and Envoy's expected-timeout header: relative,
 * so no two clocks need to agree). The hop turns it into an absolute `request.deadline`, refuses
 * work whose caller has already given up, and passes what remains on to its own calls
 * (`JsonClient.request(…, { deadline })` sends this header again).
 */
export const DEADLINE_HEADER = 'x-request-timeout-ms';

declare module 'fastify' {
  interface FastifyRequest {
    /** When the caller stops waiting (ms since the epoch, `Date.now()` clock); undefined: no deadline sent. */
    deadline: number | undefined;
  }
}

/** Milliseconds left until `deadline` (Infinity without one). */
export function remainingMs(deadline: number | undefined): number {
  return deadline === undefined ? Infinity : deadline - Date.now();
}

export const deadlineExceeded = (where: string) =>
  new AppError(504, 'deadline_exceeded', `The caller's deadline passed before ${where} could finish; try again.`);

/**
 * Reads the caller's deadline on every request. A request that arrives with none left (it waited
 * in a queue longer than its caller waits) is refused at once: its answer would go nowhere.
 */
export function acceptDeadlines(app: FastifyInstance): void {
  app.decorateRequest('deadline', undefined);
  app.addHook('onRequest', function readDeadline(request, _reply, done) {
    const header = request.headers[DEADLINE_HEADER];
    if (typeof header !== 'string') return done();
    const ms = Number(header);
    if (!Number.isFinite(ms)) return done();
    request.deadline = Date.now() + ms;
    if (ms > 0) return done();
    serverSpan()?.addEvent('paytrace.deadline_exceeded', { 'paytrace.deadline.remaining_ms': ms });
    done(deadlineExceeded('this service'));
  });
}

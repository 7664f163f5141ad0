import type { FastifyInstance } from 'fastify';
import type { TraceSource } from '../traces.js';
import { renderPaymentsPage, type PaymentsFilter } from '../views/payments-page.js';

const LOOKBACK_MS = 60 * 60_000;
/** Rows in the list; Jaeger returns whole traces, so more costs the page time. */
const LIST_LIMIT = 100;
/** Traces the last minute's verdict reads at most (the newest), as `npm run detective` does by default. */
const VERDICT_LIMIT = 500;

interface PaymentsQuery {
  outcome?: PaymentsFilter['outcome'];
  min_ms?: number | '';
}

export function paymentsRoutes(app: FastifyInstance, opts: { traces: TraceSource; settleMs: number }): void {
  app.get<{ Querystring: PaymentsQuery }>(
    '/',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            outcome: { type: 'string', enum: ['all', 'succeeded', 'rejected', 'failed'] },
            // An empty box in the form is "no minimum".
            min_ms: {
              anyOf: [
                { type: 'number', minimum: 0 },
                { type: 'string', maxLength: 0 },
              ],
            },
          },
        },
      },
    },
    async (request, reply) => {
      const filter: PaymentsFilter = { outcome: request.query.outcome ?? 'all', minMs: Number(request.query.min_ms || 0) };
      // The list and the verdict are two independent searches: ask Jaeger for both at once.
      const [traces, lastMinute] = await Promise.all([
        opts.traces.recentPayments({
          lookbackMs: LOOKBACK_MS,
          limit: LIST_LIMIT,
          outcome: filter.outcome,
          ...(filter.minMs ? { minDurationMs: filter.minMs } : {}),
        }),
        opts.traces.lastMinuteVerdict({ settleMs: opts.settleMs, limit: VERDICT_LIMIT }),
      ]);
      return reply.type('text/html; charset=utf-8').send(renderPaymentsPage({ filter, traces, lookbackMs: LOOKBACK_MS, lastMinute }));
    },
  );
}

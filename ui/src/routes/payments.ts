/** GET /: one route's charts (Prometheus), the recent payments' traces filtered by outcome and minimum duration, and the last minute's verdict. */
import type { FastifyInstance } from 'fastify';
import { CHART_WINDOWS, type ChartWindow } from '@paytrace/metrics-analysis';
import type { MetricsSource } from '../metrics.js';
import type { TraceSource } from '../traces.js';
import { DEFAULT_ROUTE, parseRouteKey } from '../views/route-charts.js';
import { renderPaymentsPage, type PaymentsFilter } from '../views/payments-page.js';

const LOOKBACK_MS = 60 * 60_000;
/** Rows in the list; Jaeger returns whole traces, so more costs the page time. */
const LIST_LIMIT = 100;
/**
 * The last minute's verdict reads at most 4 × 50 traces, the newest of each quarter of the minute:
 * enough for its shares and percentiles, in a third of the time the newest 500 (what
 * `npm run detective` reads by default) took under load (0.49 s against 1.45 s at 30 payments/s).
 */
const VERDICT_SAMPLE = { slices: 4, perSlice: 50 };

interface PaymentsQuery {
  outcome?: PaymentsFilter['outcome'];
  min_ms?: number | '';
  /** The charted route, `<service> <METHOD> <route>`. */
  route?: string;
  window?: ChartWindow;
}

export function paymentsRoutes(app: FastifyInstance, opts: { traces: TraceSource; metrics: MetricsSource | undefined; settleMs: number }): void {
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
            route: { type: 'string', maxLength: 300, pattern: '^\\S+ [A-Z]+ /\\S*$' },
            window: { type: 'string', enum: Object.keys(CHART_WINDOWS) },
          },
        },
      },
    },
    async (request, reply) => {
      const filter: PaymentsFilter = { outcome: request.query.outcome ?? 'all', minMs: Number(request.query.min_ms || 0) };
      const ref = request.query.route ? parseRouteKey(request.query.route)! : DEFAULT_ROUTE;
      const window = request.query.window ?? '15m';
      // The list, the verdict and the charts are independent: ask Jaeger and Prometheus at once.
      const [traces, lastMinute, overview] = await Promise.all([
        opts.traces.recentPayments({
          lookbackMs: LOOKBACK_MS,
          limit: LIST_LIMIT,
          outcome: filter.outcome,
          ...(filter.minMs ? { minDurationMs: filter.minMs } : {}),
        }),
        opts.traces.lastMinuteVerdict({
          settleMs: opts.settleMs,
          ...VERDICT_SAMPLE,
          // The same minute's runtime metrics name a service no span shows (a stalled event loop).
          ...(opts.metrics ? { runtimeFindings: (fromMs: number, toMs: number) => opts.metrics!.runtimeFindings(fromMs, toMs) } : {}),
        }),
        // Never rejects: Prometheus down is a note on the page, not a failed page.
        opts.metrics?.routeOverview(ref, window),
      ]);
      const keep = { outcome: filter.outcome, ...(filter.minMs ? { min_ms: String(filter.minMs) } : {}) };
      return reply
        .type('text/html; charset=utf-8')
        .send(renderPaymentsPage({ filter, traces, lookbackMs: LOOKBACK_MS, lastMinute, charts: { ref, window, overview, keep } }));
    },
  );
}

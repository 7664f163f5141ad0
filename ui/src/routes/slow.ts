/** GET /slow: slow against the rest, for one gateway route over a window (the heatmap and the ranked table). */
import type { FastifyInstance } from 'fastify';
import { slowVsRest, traceDurationMs, rootOf, type SlowSelection } from '@paytrace/trace-analysis';
import type { TraceSource } from '../traces.js';
import { heatmapGrid } from '../views/latency-heatmap.js';
import { renderSlowPage } from '../views/slow-page.js';

/** The gateway's routes a reader can compare. */
export const SLOW_OPERATIONS = ['POST /process-payment', 'GET /accounts/me'] as const;
export const SLOW_WINDOWS = { '1m': 60_000, '5m': 5 * 60_000, '15m': 15 * 60_000 } as const;
/**
 * At most 30 × 30 traces, the newest of each thirtieth of the window: a whole busy window would
 * take Jaeger seconds to return (whole traces), 900 are enough for counts of the slowest tenth,
 * and thin slices keep the sample spread over the window rather than bunched at each slice's end.
 */
export const SLOW_SAMPLE = { slices: 30, perSlice: 30 };
/** Rows in the table. */
const TOP = 25;

interface SlowQuery {
  route?: (typeof SLOW_OPERATIONS)[number];
  since?: keyof typeof SLOW_WINDOWS;
  /** The slow traces' durations, ms: from alone is "longer than"; both a brushed range. */
  from?: number | '';
  to?: number | '';
}

const optionalMs = {
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', maxLength: 0 },
  ],
};

export function slowRoutes(app: FastifyInstance, opts: { traces: TraceSource; settleMs: number }): void {
  app.get<{ Querystring: SlowQuery }>(
    '/slow',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            route: { type: 'string', enum: [...SLOW_OPERATIONS] },
            since: { type: 'string', enum: Object.keys(SLOW_WINDOWS) },
            from: optionalMs,
            to: optionalMs,
          },
        },
      },
    },
    async (request, reply) => {
      const operation = request.query.route ?? SLOW_OPERATIONS[0];
      const since = request.query.since ?? '5m';
      const from = request.query.from === '' || request.query.from === undefined ? undefined : Number(request.query.from);
      const to = request.query.to === '' || request.query.to === undefined ? undefined : Number(request.query.to);
      const slow: SlowSelection | undefined =
        from === undefined ? undefined : to === undefined ? { aboveMs: from } : { fromMs: Math.min(from, to), toMs: Math.max(from, to) };
      // Newer traces may still lack spans (export batches): the window ends settleMs ago.
      const toMs = Date.now() - opts.settleMs;
      const fromMs = toMs - SLOW_WINDOWS[since];
      const { traces, sampled } = await opts.traces.windowTraces({ operation, fromMs, toMs, ...SLOW_SAMPLE });
      const points = traces.flatMap((spans) => {
        const root = rootOf(spans);
        const durationMs = traceDurationMs(spans);
        return root && durationMs !== undefined ? [{ startMs: root.startTime / 1000, durationMs }] : [];
      });
      const result = slowVsRest(traces, slow ? { slow } : {});
      return reply.type('text/html; charset=utf-8').send(
        renderSlowPage({
          operation,
          operations: SLOW_OPERATIONS,
          since,
          windows: Object.keys(SLOW_WINDOWS),
          fromMs,
          toMs,
          sampled,
          slices: SLOW_SAMPLE.slices,
          grid: heatmapGrid(points, { fromMs, toMs }),
          result,
          top: TOP,
        }),
      );
    },
  );
}

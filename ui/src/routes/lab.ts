/** GET /lab and /lab/chart.svg: the latest sampling lab result and its chart, read at each request. */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import { latestLabResult } from '../lab-results.js';
import { renderLabPage } from '../views/lab-page.js';

export function labRoutes(app: FastifyInstance, opts: { labDirs: readonly string[] }): void {
  // Read at each request: a lab run that finishes while the UI runs shows up on the next load.
  app.get('/lab', async (_request, reply) => reply.type('text/html; charset=utf-8').send(renderLabPage(latestLabResult(opts.labDirs), opts.labDirs)));

  app.get('/lab/chart.svg', async (_request, reply) => {
    const chart = latestLabResult(opts.labDirs)?.chart;
    if (!chart) throw notFound('No sampling lab chart: run npm run sampling-lab.');
    return reply.type('image/svg+xml').send(readFileSync(chart));
  });
}

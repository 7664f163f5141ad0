/**
 * The service map's edges as the SDKs' metrics count them (edgeRates): every call, whatever the
 * trace sampling. The span metrics cannot say this (a CLIENT span's name, `POST`, does not name its
 * callee); the SDKs' client histograms can: http.client.request.duration per caller and
 * server.address/port, db.client.operation.duration per caller. Never throws.
 */
import { PrometheusClient, type Series } from '@paytrace/metrics-analysis';
import type { MapEdge } from '@paytrace/trace-analysis';
import { describeCause } from './errors.js';

/** Calls per second per edge, keyed `<from> <to>`; or why Prometheus gave none. */
export type EdgeRates = { rates: Map<string, number> } | { unavailable: string };

/** The three questions, as rates averaged over the last `seconds`. */
export function edgeRateQueries(seconds: number) {
  return {
    /** Per caller and the host:port it called. */
    http: `sum by (service_name, server_address, server_port) (rate(http_client_request_duration_seconds_count[${seconds}s]))`,
    /** Per caller: its database operations (every service here has one database, Postgres). */
    database: `sum by (service_name) (rate(db_client_operation_duration_seconds_count[${seconds}s]))`,
    /** Per service: the requests it served (the client → root edge, for the services the map shows called by the client). */
    served: `sum by (service_name) (rate(http_server_request_duration_seconds_count[${seconds}s]))`,
  };
}

const valueOf = (s: Series): number => s.samples[0]?.[1] ?? 0;

/**
 * Each edge's rate from the metrics' answers: an HTTP edge sums its caller's series over the
 * addresses its spans called; a database edge is its caller's operations; client → root is the
 * root's served requests. An edge the metrics cannot name is left out.
 */
export function edgeRatesFrom(edges: MapEdge[], answers: { http: Series[]; database: Series[]; served: Series[] }): Map<string, number> {
  const rates = new Map<string, number>();
  for (const edge of edges) {
    let rate: number | undefined;
    if (edge.from === 'client') {
      const served = answers.served.find((s) => s.labels.service_name === edge.to);
      rate = served ? valueOf(served) : undefined;
    } else if (edge.search.tags['db.system.name'] !== undefined || edge.search.tags['db.system'] !== undefined) {
      const db = answers.database.find((s) => s.labels.service_name === edge.from);
      rate = db ? valueOf(db) : undefined;
    } else {
      const matching = answers.http.filter(
        (s) => s.labels.service_name === edge.from && edge.addresses.includes(`${s.labels.server_address}:${s.labels.server_port}`),
      );
      rate = matching.length > 0 ? matching.reduce((sum, s) => sum + valueOf(s), 0) : undefined;
    }
    if (rate !== undefined && Number.isFinite(rate)) rates.set(`${edge.from} ${edge.to}`, rate);
  }
  return rates;
}

export async function edgeRates(
  prometheus: { url: string; timeoutMs: number },
  edges: MapEdge[],
  windowSeconds: number,
  nowSeconds: number,
): Promise<EdgeRates> {
  const client = new PrometheusClient(prometheus.url, { timeoutMs: prometheus.timeoutMs });
  const q = edgeRateQueries(windowSeconds);
  try {
    const [http, database, served] = await Promise.all([
      client.query(q.http, nowSeconds),
      client.query(q.database, nowSeconds),
      client.query(q.served, nowSeconds),
    ]);
    return { rates: edgeRatesFrom(edges, { http, database, served }) };
  } catch (err) {
    return { unavailable: `Prometheus at ${prometheus.url} did not answer (${describeCause(err)}): the rates are the traces’ alone.` };
  }
}

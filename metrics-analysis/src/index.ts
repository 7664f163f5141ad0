/** @paytrace/metrics-analysis: what paytrace reads in its metrics (Prometheus). */
export { PrometheusClient, type Exemplar, type Series } from './prometheus-client.js';

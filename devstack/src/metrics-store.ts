/** Prometheus, the stack's time-series store: its command line, on telemetry/prometheus.yml. */
import { join } from 'node:path';
import { ROOT } from './ports.js';

/**
 * How the native Prometheus runs (compose gives its image the same flags): OTLP in (the Collector
 * pushes the SDKs' metrics and the span metrics), exemplars kept, data in `dataDir`, HTTP API on
 * loopback. A plain `go build` of Prometheus has no web UI (its assets are built with npm by its
 * own Makefile): the API at /api/v1/* answers, the UI's pages say the assets are missing; paytrace's
 * UI draws the charts instead.
 */
export function prometheusArgs(options: { port: number; dataDir: string; retention?: string }): string[] {
  return [
    `--config.file=${join(ROOT, 'telemetry', 'prometheus.yml')}`,
    `--storage.tsdb.path=${options.dataDir}`,
    `--storage.tsdb.retention.time=${options.retention ?? '2d'}`,
    `--web.listen-address=127.0.0.1:${options.port}`,
    '--web.enable-otlp-receiver',
    '--enable-feature=exemplar-storage',
    '--log.level=warn',
  ];
}
